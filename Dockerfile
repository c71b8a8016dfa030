# Debitor production image: gunicorn web, Celery worker and beat share it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    DEBITOR_VAR_DIR=/var/lib/debitor

# gettext compiles translations; Pango, HarfBuzz's subsetter and local fonts render the PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-liberation2 fonts-dejavu-core fonts-noto-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
RUN pip install --no-cache-dir -c constraints.txt -e . \
    && useradd --system --home /app debitor \
    && mkdir -p /var/lib/debitor && chown debitor /var/lib/debitor
COPY . .
# Every language's catalogue compiled; collectstatic connects to no database (any PostgreSQL URL will do).
RUN for po in locale/*/LC_MESSAGES/django.po; do msgfmt --check -o "${po%.po}.mo" "$po" || exit 1; done \
    && SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_hex(32))') \
       ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost:5432/build \
       python manage.py collectstatic --noinput -v0

USER debitor
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py"]
