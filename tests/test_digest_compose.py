"""Digest composition and rendering: pure functions, hand-made candidates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from bot.digest.compose import compose
from bot.digest.model import Candidate
from bot.digest.render import render
from bot.digest.schedule import digest_trigger, missed, next_digest
from bot.stories.cluster import StoryText, cluster
from bot.telegram_html import MESSAGE_LIMIT, visible_length

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 08:00 in Los Angeles
SINCE = NOW - timedelta(hours=24)
TOPICS = [("mpp", "Remain in Mexico (MPP)"), ("asylum", "Asylum")]


def cand(article_id, topic="mpp", *, title=None, score=2.0, hours_ago=2.0, found_ago=1.0,
         outlet="border.example", feed="Border Report", snippet="Asylum officers urge the court",
         highlights=((0, 6),), text="", url=None) -> Candidate:  # fmt: skip
    return Candidate(
        article_id=article_id,
        topic=topic,
        score=score,
        snippet=snippet,
        highlights=highlights,
        title=title
        or f"Story {article_id}: k{article_id} m{article_id} n{article_id} p{article_id}",
        url=url or f"https://{outlet}/{article_id}",
        outlet=outlet,
        feed=feed,
        published=NOW - timedelta(hours=hours_ago),
        found=NOW - timedelta(hours=found_ago),
        text=text,
    )


def digest_of(candidates, **kw):
    options = dict(kind="digest", chat_name="Border team", topics=TOPICS,
                   timezone="America/Los_Angeles", now=NOW, since=SINCE)  # fmt: skip
    return compose(candidates, **{**options, **kw})


class TagBalance(HTMLParser):
    """Checks that every tag is closed, in order: what Telegram refuses otherwise."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def balanced(html: str) -> bool:
    parser = TagBalance()
    parser.feed(html)
    parser.close()
    return not parser.errors and not parser.stack


def test_groups_by_topic_in_chat_order_and_an_article_appears_once():
    digest = digest_of([cand(1, "asylum"), cand(2, "mpp"), cand(1, "mpp"), cand(3, "asylum")])
    assert [s.topic for s in digest.sections] == ["mpp", "asylum"]
    mpp, asylum = digest.sections
    assert sorted(i.lead.article_id for i in mpp.items) == [1, 2]
    assert [i.lead.article_id for i in asylum.items] == [3]
    assert digest.article_ids == {1, 2, 3}


def test_delivered_old_and_other_topics_are_left_out():
    digest = digest_of(
        [
            cand(1),
            cand(2, delivered := "mpp"),
            cand(3, found_ago=30),  # found before the last digest
            cand(4, hours_ago=100),  # published long before the last digest: back catalogue
            cand(5, "climate"),
        ],
        delivered={2},
    )
    assert delivered == "mpp"
    assert digest.article_ids == {1}


def test_found_late_stays_in_when_published_since_the_last_digest():
    # The bot was down four days: the last digest was 96 h ago.
    since = NOW - timedelta(hours=96)
    digest = digest_of([cand(1, hours_ago=90, found_ago=0.5)], since=since)
    assert digest.article_ids == {1}


def test_copies_of_one_story_collapse_with_the_best_source_first():
    title = "Asylum officers urge 9th Circuit to end Remain in Mexico policy"
    digest = digest_of(
        [
            cand(1, title=title, outlet="news.google.com", feed="Google News: MPP", score=3.0),
            cand(2, title=title + " - Reuters", outlet="reuters.com", score=3.0),
            cand(
                3,
                title="Asylum officers urge Ninth Circuit to end Remain in Mexico policy",
                outlet="apnews.com",
                score=2.0,
            ),
            cand(4, title="Shelters in Tijuana prepare for the return of migrants"),
        ]
    )
    (section,) = digest.sections
    top = next(i for i in section.items if len(i.others) == 2)
    assert top.lead.outlet == "reuters.com"  # same score: the outlet beats the aggregator
    assert {c.article_id for c in top.others} == {1, 3}
    assert section.stories == 2


def test_ranking_prefers_score_size_and_recency_and_limits_items():
    candidates = [cand(i, score=1.0 + i / 10, title=f"Distinct headline {i} w{i} x{i} y{i}")
                  for i in range(15)]  # fmt: skip
    digest = digest_of(candidates, max_items=10)
    (section,) = digest.sections
    assert [i.lead.article_id for i in section.items] == list(range(14, 4, -1))
    assert section.more == 5 and section.stories == 15
    assert digest.article_ids == set(range(15))  # "and 5 more" are covered too
    fresh_vs_old = digest_of(
        [
            cand(1, score=2.0, hours_ago=1, title="Fresh one alpha beta gamma"),
            cand(2, score=2.0, hours_ago=40, title="Older one delta epsilon zeta"),
        ]
    )
    assert [i.lead.article_id for i in fresh_vs_old.sections[0].items] == [1, 2]


def test_cluster_finds_wire_copies_by_text_and_keeps_distinct_stories_apart():
    wire = " ".join(f"word{i}" for i in range(40))
    stories = [
        StoryText("Judge blocks asylum ban at the border", wire),
        StoryText("Court halts new asylum restrictions", wire + " extra"),
        StoryText("Ontario MPPs debate housing bill", ""),
        StoryText("Judge blocks asylum ban at the border", ""),
    ]
    assert cluster(stories) == [[0, 1, 3], [2]]


def test_render_escapes_hostile_text_and_only_uses_allowed_tags():
    hostile = cand(
        1,
        title='<script>alert("x")</script> a < b & c </b> 🇲🇽 שלום',
        snippet="<b>bold?</b> & <i>",
        highlights=((0, 3), (2, 5)),  # overlapping: shown plain, not broken
        url='https://x.example/?a=1&b="2"',
        outlet="<evil>",
    )
    parts = render(digest_of([hostile, cand(2, url="javascript:alert(1)")]))
    assert len(parts) == 1
    html = parts[0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "a &lt; b &amp; c &lt;/b&gt;" in html
    assert 'href="https://x.example/?a=1&amp;b=&quot;2&quot;"' in html
    assert "javascript:" not in html
    assert balanced(html)
    tags = {t.split()[0].strip("</>") for t in __import__("re").findall(r"</?[a-z]+[^>]*>", html)}
    assert tags <= {"b", "i", "a"}


def test_snippet_hits_are_bold_at_their_offsets():
    (part,) = render(
        digest_of([cand(1, snippet="Los oficiales de asilo dicen", highlights=((17, 22),))])
    )
    assert "Los oficiales de <b>asilo</b> dicen" in part


def test_a_big_digest_splits_between_items_under_the_limit():
    candidates = [
        cand(
            i,
            "mpp" if i % 2 else "asylum",
            title=f"Headline {i} q{i} r{i} s{i} " + "é" * 150,
            snippet="ñ" * 400 + " 🇲🇽" * 20,
            highlights=((0, 5),),
        )
        for i in range(60)
    ]
    parts = render(digest_of(candidates, max_items=30))
    assert len(parts) > 3
    for part in parts:
        assert visible_length(part) <= MESSAGE_LIMIT
        assert balanced(part)
    assert all("(continued)" in p or "<b>Asylum</b> ·" in p or "<b>Remain" in p for p in parts[1:])
    items = sum(p.count("</a>") for p in parts)
    assert items == 60


def test_visible_length_counts_like_telegram():
    assert visible_length("<b>a&amp;b</b>") == 3
    assert visible_length("🇲🇽") == 4  # two astral code points, two UTF-16 units each


def test_empty_digest_says_no_new_coverage_and_empty_alert_is_nothing():
    (part,) = render(digest_of([]))
    assert "No new coverage since" in part
    assert render(digest_of([], kind="alert")) == []


def utc(*fields) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        # Los Angeles leaves daylight saving on 2026-11-01: 08:00 is 15:00 UTC, then 16:00.
        ("08:00", utc(2026, 10, 31, 16, 0), utc(2026, 11, 1, 16, 0)),
        ("08:00", utc(2026, 10, 30, 16, 0), utc(2026, 10, 31, 15, 0)),
        ("08:00", utc(2026, 3, 8, 0, 0), utc(2026, 3, 8, 15, 0)),  # and enters it on 03-08
        # Cron weekdays as cron means them: 1-5 is Monday to Friday (2026-11-21: a Saturday).
        ("0 8 * * 1-5", utc(2026, 11, 21, 0, 0), utc(2026, 11, 23, 16, 0)),
        ("30 7 * * 0", utc(2026, 11, 21, 0, 0), utc(2026, 11, 22, 15, 30)),
    ],
)
def test_schedule_follows_local_time_across_daylight_saving(schedule, after, expected):
    assert next_digest(schedule, "America/Los_Angeles", after) == expected


def test_missed_digest_is_recognized_once():
    last = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 08:00 LA on the 20th
    assert missed("08:00", "America/Los_Angeles", last, NOW)  # down since: one catch-up
    assert not missed("08:00", "America/Los_Angeles", NOW, NOW + timedelta(hours=3))
    assert not missed("08:00", "America/Los_Angeles", None, NOW)


@pytest.mark.parametrize("bad", ["8am", "25:00", "0 8 * *", "0 8 * * 9", "0 99 * * *"])
def test_bad_schedules_say_what_is_wrong(bad):
    with pytest.raises(ValueError):
        digest_trigger(bad, "UTC")
