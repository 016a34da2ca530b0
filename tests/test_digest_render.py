"""How a digest names its sources: the publisher's name, the feed's, the host last; and
copies from one outlet named rather than counted blind."""

from __future__ import annotations

from dataclasses import replace

from bot.digest.model import Digest, Item, Section
from bot.digest.render import render
from tests.test_digest_compose import NOW, SINCE, cand


def one_item(item: Item) -> str:
    section = Section(topic="mpp", title="Remain in Mexico (MPP)", items=(item,))
    digest = Digest(kind="digest", chat_name="Team", timezone="UTC", created=NOW, since=SINCE,
                    sections=(section,))  # fmt: skip
    return "\n".join(render(digest))


def test_the_publishers_name_comes_before_the_feeds_and_the_host():
    google = replace(cand(1, feed="Google News: Remain in Mexico", outlet="metrodaily.example"),
                     outlet_name="Metro Daily")  # fmt: skip
    assert "<i>Metro Daily · " in one_item(Item(google))
    own_feed = cand(2, feed="Border Report", outlet="borderreport.com")
    assert "<i>Border Report · " in one_item(Item(own_feed))
    nameless = cand(3, feed="", outlet="borderreport.com")
    assert "<i>borderreport.com · " in one_item(Item(nameless))


def test_copies_from_the_leads_outlet_are_named_by_it():
    lead = cand(1, feed="Metro Daily")
    same = tuple(cand(n, feed="Metro Daily") for n in range(2, 8))
    assert "+ 6 more from Metro Daily" in one_item(Item(lead, same))
    mixed = (*same[:2], cand(9, feed="KPBS"))
    assert "+ 3 more: KPBS" in one_item(Item(lead, mixed))


def test_bold_marks_the_names_a_story_matched_not_every_context_word():
    from bot.match.matcher import Matcher, Topic, build_document

    matcher = Matcher([Topic("mpp", '("remain in mexico" OR =MPP) AND (court OR judge)')])
    found = matcher.match(build_document(
        "t", "A judge said the Remain in Mexico policy, MPP, is back; the court agreed."
    ))[0]  # fmt: skip
    item = Item(replace(cand(1), snippet=found.snippet, highlights=found.highlights))
    html = one_item(item)
    assert "<b>Remain in Mexico</b>" in html and "<b>MPP</b>" in html
    assert "<b>judge</b>" not in html and "<b>court</b>" not in html
    plain = Item(replace(cand(2), snippet="Asylum officers urge the court", highlights=((0, 6),)))
    assert "<b>Asylum</b> officers" in one_item(plain)  # no name: the first hit alone
