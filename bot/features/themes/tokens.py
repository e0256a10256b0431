"""Sentences, tokens and lemma keys: the text layer under the theme engine.

A *key* is what two wordings must share to count as the same theme. simplemma gives the
lemma (``co-opted`` → ``co-opt``); a few derivational suffixes are then cut so that the noun
and the verb meet (``co-optation`` → ``coopt``). Keys are never shown to anyone.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from bot.core.text import sentences as pysbd_sentences

# pysbd is accurate but slow on long texts (seconds for 10,000 words), so long texts are
# split with the regex below, which knows the abbreviations academic prose uses.
PYSBD_MAX_WORDS = 800

# English function words, written for this project from the closed word classes of English
# grammar (articles and determiners, pronouns, prepositions, conjunctions, auxiliary and modal
# verbs) plus the commonest adverbs and quantifiers, and the Latin scraps of academic prose
# ("et al.", "de jure", "per se"). They are ignored when matching concepts and break phrases.
STOP_WORDS = frozenset(
    """
    a about above across after afterwards again against ago al all almost alone along already
    also although always am among amongst an and another any anyhow anyone anything anyway
    anywhere are around as at be became because become becomes becoming been before beforehand
    behind being below beside besides between beyond both but by can cannot could de did do does
    doing done down due during each either else elsewhere enough especially et etc even ever
    every everyone everything everywhere except facto far few for former formerly from further
    furthermore had has have having he hence her here hereby herein hers herself him himself his
    how however i if in indeed instead into is it its it's itself jure just last latter latterly
    least less many may me meanwhile might mine more moreover most mostly much must my myself
    namely neither never nevertheless next no nobody none noone nor not nothing now nowhere of
    off often on once one only onto or other others otherwise our ours ourselves out over own per
    perhaps quite rather re s same se several she should since so some somehow someone something
    sometime sometimes somewhere still such t than that the their theirs them themselves then
    thence there thereafter thereby therefore therein thereupon these they this those though
    through throughout thus to together too toward towards under until up upon us very via vis
    vs was we well were what whatever when whence whenever where whereas whereby wherein whether
    which while whither who whoever whole whom whose why will with within without would yet you
    your yours yourself yourselves
    two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
    hundred thousand million first second third fewer lesser
    """.split()
)
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
# Bibliographic and layout words (reference lists, running heads, URLs, front matter), month
# names, and methods boilerplate ("conjoint experiment", "interviews with 52 founders"): a
# reading's apparatus, never its concepts. They are fillers too, so they also break phrases.
APPARATUS_WORDS = frozenset(
    """
    doi org https http www com edu net html pdf url isbn issn vol vols volume issue pp page
    pages journal proceedings press publisher published publication copyright licence license
    rights reserved keywords keyword abstract introduction references reference bibliography
    appendix figure fig table section footnote author correspondence email e-mail draft
    accessed retrieved available online ibid op cit university department centre center
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    percent per cent year years month months day days time times
    experiment experiments experimental conjoint survey surveys surveyed interview interviews
    interviewed interviewee interviewees respondent respondents sample samples sampled
    regression regressions dataset datasets simulation simulations fieldwork ethnography
    ethnographic questionnaire questionnaires vignette vignettes coding coded archival
    quantitative qualitative statistical statistically estimate estimates variable variables
    robustness methodology methodological analysis analyses analysed analyzed observation
    observations participant participants record records test tested tests
    """.split()
)
GENERIC_WORDS = GENERIC_WORDS | APPARATUS_WORDS

# A word is a run of Latin letters (with accents and the ﬁ/ﬂ ligatures, so "ofﬁces" or
# "Bürger" stays one word and never falls apart into pieces such as "ces") or digits, with
# inner hyphens/apostrophes. An explicit class is faster than [^\W_] on long texts.
_LETTER = "0-9A-Za-z\u00c0-\u024f\ufb00-\ufb06"
WORD = re.compile(rf"[{_LETTER}]+(?:[-’'][{_LETTER}]+)*")
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


_ACRONYM_PLURAL = re.compile(r"[A-Z][A-Z0-9]+s")


def is_acronym(word: str) -> bool:
    """``NGO``, ``INGOs``, ``CCP``: two or more capitals, perhaps a plural ``s``."""
    return (
        len(word) > 1
        and word[:2].isupper()
        and (word.isupper() or (word[-1] == "s" and word[:-1].isupper()))
    )


@lru_cache(maxsize=100_000)
def word_key(word: str) -> str:
    """The matching key of one word: lemma, no hyphens, British/American and -ation merged.

    An acronym's plural is its singular (``INGOs`` → ``ingo``); an ``-ian`` adjective and its
    ``-ism`` meet (``authoritarianism`` → ``authoritarian``), as do ``-cratic`` and ``-cracy``
    and an adjective and its ``-ness`` noun (``responsiveness`` → ``responsive``).
    """
    if _ACRONYM_PLURAL.fullmatch(word):
        return word[:-1].lower()
    word = unicodedata.normalize("NFKC", word)  # ligatures: "ofﬁces" → "offices"
    lower = word.lower().replace("’", "'")
    if lower.endswith("ianism") and len(lower) > 9:
        lower = lower[:-3]
    elif lower.endswith("cratic"):
        lower = lower[:-3] + "cy"
    if lower.endswith("'s"):
        lower = lower[:-2]
    import simplemma  # its lemma tables load on first use (in the worker process)

    lemma = simplemma.lemmatize(lower, lang="en")
    if lemma == lower and word[:1].isupper():
        lemma = simplemma.lemmatize(word, lang="en").lower()
    if lemma.endswith("ness") and "ADJ" in lemmas(lemma[:-4]):
        lemma = lemma[:-4]  # responsiveness → responsive: the adjective and its noun meet
    key = lemma.replace("-", "").replace("'", "")
    key = _BRITISH.sub(r"iz\1", key) if len(key) > 6 else key
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 4:
            if suffix == "ation" and in_lexicon(key[: -len(suffix)]):
                break  # foundation is not "found"
            key = key[: -len(suffix)]
            if suffix == "ation" and key.endswith("str"):
                key = key[:-1] + "er"  # registration → register, administration → administer
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
    for match in WORD.finditer(sentence):
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
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """Lemminflect's lemmas of a word by part of speech (``{}`` for names and rare terms)."""
    from lemminflect import getAllLemmas

    return getAllLemmas(word.lower())


@lru_cache(maxsize=100_000)
def _parts_of_speech(word: str) -> frozenset[str]:
    """What a word can be, from lemminflect's lexicon (empty for names and rare terms)."""
    return frozenset(lemmas(word))


def can_modify(word: str) -> bool:
    """Whether a word can be an adjective ("local", "authoritarian"), i.e. modify a noun."""
    return "ADJ" in _parts_of_speech(word)


def can_end_phrase(word: str, in_phrase: bool) -> bool:
    """A keyphrase ends on a noun (or a name, or a gerund after another word): not "assigns"."""
    if is_acronym(word):
        return True  # "TANs" is no verb, whatever the lexicon says of "tans"
    pos = _parts_of_speech(word)
    return not pos or "NOUN" in pos or "PROPN" in pos or (in_phrase and word.endswith("ing"))


def in_lexicon(word: str) -> bool:
    """Whether lemminflect knows the word as an English noun, verb, adjective or adverb."""
    return bool(_parts_of_speech(word))


def can_start_phrase(word: str) -> bool:
    """A keyphrase starts on a noun or adjective: not "emphasizing welfare provision"."""
    if is_acronym(word):
        return True
    pos = _parts_of_speech(word)
    return not pos or bool(pos & {"NOUN", "ADJ", "PROPN"})
