# The application image: Daphne web nodes, workers and one-off commands all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --system --create-home --home-dir /app chat
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY chatplatform ./chatplatform
COPY moderation ./moderation
COPY escalation ./escalation
COPY evaluation ./evaluation
COPY frontend ./frontend
COPY manage.py ./
RUN pip install --no-cache-dir -c constraints.txt . \
    && mkdir -p /app/var /app/static && chown -R chat /app/var /app/static
USER chat
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "chatplatform.asgi:application"]
