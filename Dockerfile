FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends libharfbuzz-subset0 libpango-1.0-0 \
    libpangoft2-1.0-0 gettext fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
RUN DEBUG=1 python manage.py compilemessages -v0 && DEBUG=1 python manage.py collectstatic --noinput -v0
ENV DEBUG=0
EXPOSE 8000
