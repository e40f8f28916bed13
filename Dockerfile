# Maillage: the app (gunicorn) or the task worker, same image. See docs/operations.md.
FROM python:3.11-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's system libraries (Pango, HarfBuzz), fonts for the PDFs, PostgreSQL client for backups.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
      fonts-dejavu-core fonts-liberation2 postgresql-client \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /app --uid 10001 maillage
WORKDIR /app

COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY --chown=maillage:maillage . /app/src
RUN pip install --no-deps /app/src && rm -rf /app/src

# Data (SQLite file if no DATABASE_URL, media, backups) lives in a volume, never in the image.
ENV DATA_DIR=/data STATIC_ROOT=/app/staticfiles DJANGO_SETTINGS_MODULE=config.settings \
    HOST=0.0.0.0 PORT=8000
RUN mkdir -p /data /app/staticfiles && chown maillage:maillage /data /app/staticfiles \
 && SECRET_KEY=collectstatic-only-not-a-secret DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    maillage collectstatic --no-input -v0 && rm -f /tmp/build.sqlite3
USER maillage
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/sante/', timeout=4).status == 200 else 1)"
CMD ["gunicorn", "-c", "python:config.gunicorn_conf"]
