# The application image: Daphne web nodes, workers and one-off commands all run from it.

# The translation catalogues are compiled here, so the image itself carries no gettext.
FROM python:3.11-slim-bookworm AS catalogues
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY chatplatform ./chatplatform
COPY moderation ./moderation
COPY escalation ./escalation
COPY evaluation ./evaluation
COPY frontend ./frontend
RUN find . -path '*/locale/*/LC_MESSAGES/*.po' \
    -exec sh -c 'msgfmt --check-format -o "${1%.po}.mo" "$1"' _ {} \;

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --system --create-home --home-dir /app chat
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY --from=catalogues /src/chatplatform ./chatplatform
COPY --from=catalogues /src/moderation ./moderation
COPY --from=catalogues /src/escalation ./escalation
COPY --from=catalogues /src/evaluation ./evaluation
COPY --from=catalogues /src/frontend ./frontend
COPY manage.py ./
RUN pip install --no-cache-dir -c constraints.txt . \
    && mkdir -p /app/var /app/static && chown -R chat /app/var /app/static
USER chat
EXPOSE 8000
# Daphne, with a deadline on receiving each request (chatplatform/serve.py).
CMD ["python", "-m", "chatplatform.serve", "-b", "0.0.0.0", "-p", "8000", "chatplatform.asgi:application"]
