# OneScore: `docker build -t onescore .` then `docker run -p 8000:8000 -v onescore-data:/data onescore`
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY prompts ./prompts
RUN pip install . && rm -rf /src

RUN useradd --create-home --uid 10001 onescore && mkdir /data && chown onescore:onescore /data
USER onescore
WORKDIR /data
# The organisation file is ./onescore.yaml in /data; absent means every default (setting
# ONESCORE_CONFIG would make it required). Teams stays off (503) until MicrosoftAppId is given;
# the unauthenticated emulator mode is never on here.
ENV DATABASE_URL=sqlite:////data/onescore.db \
    ONESCORE_TEAMS_EMULATOR=false

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
STOPSIGNAL SIGTERM
CMD ["onescore", "serve", "--host", "0.0.0.0", "--port", "8000"]
