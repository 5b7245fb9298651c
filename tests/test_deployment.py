"""The multi-node topology in docker-compose.yml stays consistent with the settings.

Docker is not available where the tests run, so this reads the files; the same
topology (two Daphne nodes, Redis, PostgreSQL) runs natively in test_two_nodes.py.
"""

from __future__ import annotations

import re

import yaml

from tests.servers import REPO_ROOT


def compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def settings_variables() -> set[str]:
    source = (REPO_ROOT / "chatplatform" / "settings.py").read_text()
    return set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source))


def test_compose_runs_postgres_redis_two_web_nodes_and_nginx():
    services = compose()["services"]
    assert {"postgres", "redis", "web1", "web2", "nginx", "migrate"} <= set(services)
    for node in ("web1", "web2"):
        assert "chatplatform.serve" in services[node]["command"]


def test_every_run_command_starts_daphne_with_the_request_deadline():
    """chatplatform.serve is Daphne with a deadline on receiving each request."""
    assert 'CMD ["python", "-m", "chatplatform.serve"' in (REPO_ROOT / "Dockerfile").read_text()
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "-m chatplatform.serve " in makefile and "-m daphne" not in makefile


def test_web_nodes_share_one_environment_that_the_settings_actually_read():
    services = compose()["services"]
    assert services["web1"]["environment"] == services["web2"]["environment"]
    environment = services["web1"]["environment"]
    assert environment["REDIS_URL"].startswith("redis://")
    assert environment["DATABASE_URL"].startswith("postgres://")
    unknown = set(environment) - settings_variables()
    assert not unknown, f"compose sets variables the settings never read: {unknown}"


def test_readme_documents_every_setting():
    readme = (REPO_ROOT / "README.md").read_text()
    missing = {name for name in settings_variables() if f"`{name}`" not in readme}
    assert not missing, f"settings missing from the README configuration table: {missing}"


def test_nginx_upgrades_websockets_and_logs_no_addresses():
    config = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header Upgrade $http_upgrade" in config
    assert "access_log off" in config
    assert "server web1:8000" in config and "server web2:8000" in config


def test_nginx_bounds_unfinished_requests_and_passes_the_host_with_its_port():
    import re

    config = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    for directive in ("client_header_timeout", "client_body_timeout", "proxy_connect_timeout"):
        found = re.search(rf"{directive}\s+(\d+)s;", config)
        assert found is not None and int(found.group(1)) <= 30, directive
    # The websocket Origin check compares scheme + host + port with the Host header.
    assert "proxy_set_header Host $http_host;" in config
    assert "proxy_set_header Host $host;" not in config
