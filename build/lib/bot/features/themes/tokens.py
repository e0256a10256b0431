"""Sentences, tokens and lemma keys: the text layer under the theme engine.

A *key* is what two wordings must share to count as the same theme. simplemma gives the
lemma (``co-opted`` → ``co-opt``); a few derivational suffixes are then cut so that the noun
and the verb meet (``co-optation`` → ``coopt``). Keys are never shown to anyone.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import simplemma
from lemminflect import getAllLemmas
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from bot.core.text import sentences as pysbd_sentences

# pysbd is accurate but slow on long texts (seconds for 10,000 words), so long texts are
# split with the regex below, which knows the abbreviations academic prose uses.
PYSBD_MAX_WORDS = 800

STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | {"s", "t", "its", "it's", "also", "via", "et", "al"}
# Words that are common in any academic abstract and never a theme of their own. They still
# break phrases, so "case study" or "this article" never become candidates.
GENERIC_WORDS = frozenset(
    """
    ability able approach argue argued argues argument article aspect attention author authors
    based book case chapter conclude conclusion contribution data demonstrate discuss draw
    drawing effect effects enable enables evidence examine examines existing explore explores
    extent fact finding findings focus given important increase increased increasing insight
    investigate investigated issue issues key large literature little lot make makes mean
    method methods new number offer paper part previously question questions rather recent
    relation research result results rise role scholar scholars seen shown show shows
    significant sought study studies suggest suggests term terms way ways work various
    implication implications attempt attempts help helps find finds use used uses using
    """.split()
)

_WORD = re.compile(r"[A-Za-z0-9]+(?:[-’'][A-Za-z0-9]+)*")
_ABBREVIATIONS = frozenset(
    "al cf ch dr e.g eg etc fig figs i.e ie jr mr mrs ms no nos p pp prof sr st vol vols vs "
    "ed eds approx ca est jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co".split()
)
_BOUNDARY = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


def normalise_space(text: str) -> str:
    """Text with every run of blank space made one space: the form evidence is quoted from."""
    return re.sub(r"\s+", " ", text).strip()


def _fast_sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start() + 1]
        last = before.rsplit(None, 1)[-1].rstrip(".").lower() if before.strip() else ""
        if text[match.start()] == "." and (
            last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())
        ):
            continue
        piece = text[start : match.end()].strip()
        if piece:
            out.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (space-normalised), each a verbatim substring of it."""
    text = normalise_space(text)
    if not text:
        return []
    if len(text.split()) <= PYSBD_MAX_WORDS:
        return [s for s in pysbd_sentences(text) if s in text] or [text]
    return _fast_sentences(text)


_BRITISH = re.compile(r"is(e|es|ed|ing|ation|ations)$")
_SUFFIXES = ("ation", "ition", "ments", "ment", "ion", "ing", "ed")


@lru_cache(maxsize=100_000)
def word_key(word: str) -> str:
    """The matching key of one word: lemma, no hyphens, British/American and -ation merged."""
    lower = word.lower().replace("’", "'")
    if lower.endswith("'s"):
        lower = lower[:-2]
    lemma = simplemma.lemmatize(lower, lang="en")
    if lemma == lower and word[:1].isupper():
        lemma = simplemma.lemmatize(word, lang="en").lower()
    key = lemma.replace("-", "").replace("'", "")
    key = _BRITISH.sub(r"iz\1", key) if len(key) > 6 else key
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 4:
            key = key[: -len(suffix)]
            break
    else:
        if key.endswith("ate") and len(key) >= 8:
            key = key[:-3]
    return key.rstrip("e") if len(key) > 4 else key


class Token(NamedTuple):
    """One word of a sentence: its text, key, character span, and how it may be used."""

    text: str
    key: str
    start: int
    end: int
    stop: bool  # a function word: ignored when matching concepts
    generic: bool  # an academic filler: never part of a keyphrase
    breaks_before: bool  # punctuation separates it from the previous word


def tokenize(sentence: str) -> list[Token]:
    """Words of a sentence with their keys; punctuation between words is remembered."""
    tokens: list[Token] = []
    prev_end = 0
    for match in _WORD.finditer(sentence):
        text = match.group()
        lower = text.lower().replace("’", "'")
        stop = lower in STOP_WORDS or lower.isdigit() or len(lower) == 1
        key = "" if stop else word_key(text)
        gap = sentence[prev_end : match.start()]
        tokens.append(
            Token(
                text,
                key,
                match.start(),
                match.end(),
                stop,
                stop or lower in GENERIC_WORDS or key in GENERIC_WORDS,
                bool(tokens) and bool(gap.strip()),
            )
        )
        prev_end = match.end()
    return tokens


def phrase_keys(phrase: str) -> tuple[str, ...]:
    """Keys of the content words of a phrase (``autonomy of NGOs`` → ``('autonomy', 'ngo')``)."""
    return tuple(t.key for t in tokenize(phrase) if not t.stop)


@lru_cache(maxsize=100_000)
def _parts_of_speech(word: str) -> frozenset[str]:
    """What a word can be, from lemminflect's lexicon (empty for names and rare terms)."""
    return frozenset(getAllLemmas(word.lower()))


def can_end_phrase(word: str, in_phrase: bool) -> bool:
    """A keyphrase ends on a noun (or a name, or a gerund after another word): not "assigns"."""
    pos = _parts_of_speech(word)
    return not pos or "NOUN" in pos or "PROPN" in pos or (in_phrase and word.endswith("ing"))


def can_start_phrase(word: str) -> bool:
    """A keyphrase starts on a noun or adjective: not "emphasizing welfare provision"."""
    pos = _parts_of_speech(word)
    return not pos or bool(pos & {"NOUN", "ADJ", "PROPN"})
