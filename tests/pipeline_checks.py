"""Message checks used by the pipeline tests."""

from chatplatform import pipeline


def block_everything(draft: pipeline.Draft) -> pipeline.Verdict:
    return pipeline.Verdict(
        action=pipeline.BLOCK, code="blocked_for_test", detail="Not allowed in this test."
    )


def mask_secret(draft: pipeline.Draft) -> pipeline.Verdict:
    if "secret" not in draft.body:
        return pipeline.Verdict()
    return pipeline.Verdict(action=pipeline.MASK, body=draft.body.replace("secret", "[removed]"))


def hold_everything(draft: pipeline.Draft) -> pipeline.Verdict:
    return pipeline.Verdict(action=pipeline.HOLD, detail="Waiting for review.")


def explode_with_the_body(draft: pipeline.Draft) -> pipeline.Verdict:
    """A buggy check whose error message quotes the message: the logs must not."""
    raise RuntimeError(f"could not check {draft.body!r}")


def block_forbidden_word(draft: pipeline.Draft) -> pipeline.Verdict:
    if "forbidden" not in draft.body:
        return pipeline.Verdict()
    return pipeline.Verdict(action=pipeline.BLOCK, code="blocked", detail="Not that word.")
