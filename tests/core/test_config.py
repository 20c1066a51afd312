from __future__ import annotations

from pathlib import Path

import pytest
from support import CliRun

from mediasync._config import AppConfig, load_config
from mediasync._errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_file_or_environment() -> None:
    config = load_config(environ={})
    assert config == AppConfig()
    assert config.sync.interval_seconds == 300
    assert config.resolved_database_url().endswith("mediasync/index.db")


def test_cli_beats_environment_beats_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "m.toml",
        'database_url = "sqlite:///from-file.db"\n'
        "[sync]\ninterval_seconds = 60\nhash_workers = 2\n",
    )
    environ = {
        "MEDIASYNC_DATABASE_URL": "sqlite:///from-env.db",
        "MEDIASYNC_SYNC_INTERVAL_SECONDS": "90",
    }
    config = load_config(path, environ=environ)
    assert config.database_url == "sqlite:///from-env.db"
    assert config.sync.interval_seconds == 90
    assert config.sync.hash_workers == 2
    config = load_config(path, environ=environ, overrides={"database_url": "sqlite:///cli.db"})
    assert config.database_url == "sqlite:///cli.db"


def test_user_config_directory_file_is_read(isolated_user: Path) -> None:
    write(isolated_user / "config" / "mediasync" / "mediasync.toml", "log_format = 'json'\n")
    assert load_config().log_format == "json"


def test_seed_environment_names_are_aliases() -> None:
    config = load_config(
        environ={
            "MEDIA_SYNC_ENABLED": "true",
            "MEDIA_SYNC_INTERVAL_SECONDS": "42",
            "MEDIA_SOURCE_TYPE": "local",
            "MEDIA_SOURCE_ROOT": "/srv/media",
        }
    )
    assert config.sync.enabled is True
    assert config.sync.interval_seconds == 42
    assert (config.default_source.type, config.default_source.root) == ("local", "/srv/media")


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path / "m.toml", "[sync]\nintervall_seconds = 5\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    message = str(info.value)
    assert "sync.intervall_seconds" in message
    assert str(path) in message
    assert "\n" not in message


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path / "m.toml", "colour = 'blue'\n")
    with pytest.raises(ConfigError, match=r"unknown config key 'colour' in .*m\.toml"):
        load_config(path, environ={})


def test_wrong_type_in_file_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path / "m.toml", "[sync]\ninterval_seconds = 'often'\n")
    with pytest.raises(ConfigError, match=r"sync\.interval_seconds.*m\.toml.*often"):
        load_config(path, environ={})


def test_wrong_type_in_environment_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="MEDIASYNC_SYNC_ENABLED"):
        load_config(environ={"MEDIASYNC_SYNC_ENABLED": "perhaps"})


@pytest.mark.parametrize("value", ["0", "-5"])
def test_interval_must_be_positive(value: str) -> None:
    with pytest.raises(ConfigError, match="interval_seconds must be greater than zero"):
        load_config(environ={"MEDIA_SYNC_INTERVAL_SECONDS": value})


def test_corrupt_toml_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "m.toml", "[sync\ninterval_seconds = 5\n")
    with pytest.raises(ConfigError, match="is not valid TOML") as info:
        load_config(path, environ={})
    assert "\n" not in str(info.value)


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.toml", environ={})


def test_cli_reports_config_error_with_exit_2(run: CliRun, tmp_path: Path) -> None:
    path = write(tmp_path / "m.toml", "nonsense = 1\n")
    result = run(["--config", str(path), "sources", "list"])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: unknown config key 'nonsense'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_plugins_command_works_with_a_broken_config(run: CliRun, tmp_path: Path) -> None:
    path = write(tmp_path / "m.toml", "nonsense = 1\n")
    result = run(["--config", str(path), "plugins"])
    assert result.exit_code == 0
    assert "core" in result.stdout


def test_the_readme_configuration_example_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    config = load_config(write(tmp_path / "m.toml", block), environ={})
    assert config.sync.reconcile_days == 7
    assert config.sync.stop_after_known == 10
    assert config.default_source.type == "local"
