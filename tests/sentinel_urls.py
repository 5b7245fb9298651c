"""The site's URLs plus views that fail while holding private data (for the log tests)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def explode(request: HttpRequest) -> HttpResponse:
    answer = request.POST.get("answer", "") or request.GET.get("q", "")
    raise ValueError(f"could not save the survey answer {answer!r}")


urlpatterns = [
    path("test-explode/", explode),
    path("", include("chatplatform.urls")),
]
