"""What the client-side commands share: server, token and profile options, one-line errors."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from bulkwrite.client import Client

DEFAULT_SERVER = "http://127.0.0.1:8000"
OptionsT = TypeVar("OptionsT")

ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        envvar="BULKWRITE_URL",
        metavar="URL",
        help=f"base URL of the bulkwrite server (else the profile's; default {DEFAULT_SERVER})",
        show_envvar=True,
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="BULKWRITE_TOKEN",
        metavar="TOKEN",
        help="access token (bulkwrite token create; else the profile's)",
        show_envvar=True,
    ),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        envvar="BULKWRITE_PROFILE",
        metavar="NAME",
        help="a profile of ~/.config/bulkwrite/config.toml (server, token, module)",
        show_envvar=True,
    ),
]


class InputError(Exception):
    """Bad input named in one line: a missing file, a malformed option, a file that is no CSV."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr; the caller raises the returned ``typer.Exit``."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn the errors a user can cause into one line on stderr and exit status 2."""
    from bulkwrite.client import BulkWriteAPIError, ServerUnreachable

    try:
        yield
    except InputError as exc:
        raise fail(str(exc)) from None
    except BulkWriteAPIError as exc:
        raise fail(f"{exc.code}: {exc.message}") from None
    except ServerUnreachable as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        raise fail(f"{exc.strerror or exc}{':' if where else ''}{where}") from None


@dataclass(frozen=True)
class Target:
    """Where a client command goes: flag, else environment, else profile, else default."""

    server: str
    token: str | None
    module: str | None

    @classmethod
    def resolve(
        cls, server: str | None, token: str | None, profile: str | None, module: str | None = None
    ) -> Target:
        from bulkwrite.cli.config import load_profile

        chosen = load_profile(profile)
        if chosen is None:
            return cls(server or DEFAULT_SERVER, token, module)
        return cls(
            server or chosen.server or DEFAULT_SERVER,
            token or chosen.token,
            module or chosen.module,
        )


def connect(server: str | None, token: str | None, profile: str | None = None) -> Client:
    """A client of the resolved server (``Target``); ``InputError`` without a token."""
    target = Target.resolve(server, token, profile)
    return client_for(target.server, target.token)


@contextmanager
def connected(server: str | None, token: str | None, profile: str | None) -> Iterator[Client]:
    """A client of the resolved server (``connect``), closed after the block, with the errors a
    user can cause inside it turned into one line on stderr (``one_line_errors``)."""
    with one_line_errors(), connect(server, token, profile) as client:
        yield client


def client_for(server: str, token: str | None) -> Client:
    """A client of ``server``; ``InputError`` without a token or with a bad URL."""
    import httpx

    from bulkwrite.client import Client

    if not token:
        raise InputError(
            "no access token: pass --token or set BULKWRITE_TOKEN (or use a --profile with one)"
        )
    try:
        url = httpx.URL(server)
    except httpx.InvalidURL:
        url = httpx.URL()
    if url.scheme not in ("http", "https") or not url.host:
        raise InputError(f"--server {server!r}: expected an http:// or https:// URL")
    return Client(server, token)


def options_command(options: type[OptionsT], run: Callable[[OptionsT], int]) -> Callable[..., None]:
    """A typer command whose arguments and options are the fields of the dataclass
    ``options`` (each annotated with its ``typer.Argument``/``typer.Option``), declared once
    there; it runs ``run`` on them and exits with the status ``run`` returns. Its help is the
    dataclass's docstring."""
    hints = typing.get_type_hints(options, include_extras=True)
    parameters = [
        inspect.Parameter(
            f.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default,
            annotation=hints[f.name],
        )
        for f in dataclasses.fields(options)  # type: ignore[arg-type]
    ]

    def command(**values: Any) -> None:
        raise typer.Exit(run(options(**values)))

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__doc__ = options.__doc__
    command.__name__ = options.__name__
    return command
