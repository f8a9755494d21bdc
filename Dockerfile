# nextauth-conformance: the harness, the reference server, the mock IdPs and Debian's Chromium for the browser
# checks, in one image.
#
#   docker build -t nextauth-conformance .
#   docker run --rm nextauth-conformance check --target https://staging.example.com
#   docker run --rm -v "$PWD/reports:/work/reports" nextauth-conformance check --target https://staging.example.com \
#       --report-junit reports/conformance.xml --report-markdown reports/conformance.md
#   docker run --rm -p 3000:3000 nextauth-conformance serve --host 0.0.0.0 --port 3000 --no-mocks --trust-host
#
# Secrets go in the environment: -e NEXTAUTH_CONFORMANCE_CREDENTIALS, -e NEXTAUTH_CONFORMANCE_SECRET.
# A target on the Docker host is http://host.docker.internal:PORT (add --add-host=host.docker.internal:host-gateway
# on Linux).
FROM python:3.12-slim-bookworm

# Debian's chromium-headless-shell is what the harness finds first on its own (harness/browser.py): the headless
# build, a quarter of the full browser's CPU for the same pages; fonts so pages render text.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium-headless-shell fonts-liberation ca-certificates \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    NEXTAUTH_CONFORMANCE_CHROMIUM=/usr/bin/chromium-headless-shell

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY spec ./spec
COPY harness ./harness
COPY reference_server ./reference_server
COPY mock_providers ./mock_providers
# A regular (non-editable) install: the packaged suite and the spec come from site-packages.
RUN pip install ".[postgres]" && rm -rf /src

RUN useradd --create-home --uid 10001 conformance
USER conformance
WORKDIR /work

ENTRYPOINT ["nextauth-conformance"]
CMD ["check", "--help"]
