"""Exceptions a user can cause.

Every error here renders as one clear line (``str(exc)``); the CLI turns them
into exit codes without a traceback.
"""
from __future__ import annotations


class CrdsBatchError(Exception):
    """Base of every error crds-batch raises on purpose."""


class CacheError(CrdsBatchError):
    """The CRDS cache is missing, unreadable, or lacks a file."""


class UnknownContextError(CrdsBatchError):
    """A context name (file or symbolic) cannot be resolved."""


class MappingError(CrdsBatchError):
    """A mapping file cannot be loaded: syntax, illegal code, bad structure."""


class MappingFormatError(MappingError):
    """A mapping's text is not a valid mapping."""


class ChecksumError(MappingError):
    """A mapping's sha1sum header does not match its text."""


class BadRulesError(CrdsBatchError):
    """The context (or the instrument's part of it) contains rules marked bad (crds CrdsBadRulesError)."""


class BadReferenceError(CrdsBatchError):
    """A recommended reference is marked bad (crds CrdsBadReferenceError)."""


class FileUpdateError(CrdsBatchError):
    """A dataset file may not be updated (permissions, links, owner): it is left untouched."""


class ContextMismatchError(CrdsBatchError):
    """Two mappings that cannot be compared: different observatories or kinds (.pmap vs .imap)."""
