# mock-ic in a container: `docker build -t mock-ic . && docker run -p 8080:8080 mock-ic`
# (several servers on one PostgreSQL: compose.yaml; the admin token comes from MOCK_IC_ADMIN_TOKEN)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MOCK_IC_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY mock_ic ./mock_ic
COPY conformance ./conformance
COPY openapi ./openapi
COPY fixtures ./fixtures
RUN pip install --no-cache-dir './[server,postgres]' \
    && useradd --create-home --uid 10001 mockic \
    && mkdir -p /data && chown mockic /data

USER 10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/_mock/health')"]
CMD ["mock-ic", "serve", "--host", "0.0.0.0", "--port", "8080"]
