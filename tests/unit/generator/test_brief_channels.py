"""Channels asked for and refused, on briefs written for these tests (never the dev set's)."""

from __future__ import annotations

from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import channel_mentions, understand
from services.generator.domain.typos import mend, one_slip


def _brief(text: str) -> Brief:
    return Brief(client_name="Test Client", brand_name="Testbrand", raw_brief_text=text)


def test_channels_beyond_social_and_search_are_understood() -> None:
    u = understand(
        _brief(
            "Testbrand sells second-hand vans in Leeds.\n"
            "Channels: Gumtree, door drops in the estates around the depot, a stand at the regional trade fair, "
            "our own website and the Google Play store page for the app."
        )
    )
    assert {
        "Classifieds & listing portals",
        "Print & direct mail",
        "Events & experiential",
        "Website & landing pages",
        "App stores & ASO",
    } <= set(u.channels)


def test_the_longest_name_wins_where_names_overlap() -> None:
    names = [m.name for m in channel_mentions("We want Google Business Profile sorted first.")]
    assert names == ["Local search & maps"]
    assert [m.name for m in channel_mentions("Google and Meta, please.")] == ["Google Search", "Facebook"]


def test_a_format_asked_for_asks_for_its_channel() -> None:
    names = {m.name for m in channel_mentions("We'd love local Facebook groups to carry it.")}
    assert "Facebook" in names


def test_a_channel_list_labelled_in_another_language() -> None:
    u = understand(_brief("Canales que nos gustan: Instagram, Kwai y radio local."))
    assert {"Instagram", "Regional social apps", "Podcasts & audio"} <= set(u.channels)


def test_refusals_anywhere_in_the_text_rule_a_channel_out() -> None:
    u = understand(
        _brief(
            "The owner runs a bakery in Cork. He doesn't want Snapchat, it never worked for him.\n"
            "The board has ruled out telemarketing. Instagram is fine."
        )
    )
    assert {"Snapchat", "Canvassing & telemarketing"} <= set(u.rules.excluded_channels)
    assert "Instagram" in u.channels and "Snapchat" not in u.channels


def test_a_channel_named_after_a_dash_or_by_way_of_is_not_refused() -> None:
    u = understand(_brief("Budget was 20k, no \u2013 the owner said by email it is 25k. Instagram is fine."))
    assert "Email & CRM" not in u.rules.excluded_channels


def test_what_the_client_already_is_is_no_channel_request() -> None:
    u = understand(_brief("We're a small press with a weekly podcast and a newsletter. Goals to follow."))
    assert "Podcasts & audio" not in u.channels


def test_a_one_slip_typo_still_names_the_channel() -> None:
    assert one_slip("billbaord", "billboard") and one_slip("pinterst", "pinterest") is False
    assert mend("a big billbaord downtown", ["billboard"]) == "a big billboard downtown"
    assert "Out-of-home" in {m.name for m in channel_mentions("We really want a billbaord near the station.")}


def test_a_rule_about_what_content_shows_is_no_channel_ban() -> None:
    u = understand(_brief("No influencer videos of kids in the bath, please. Instagram is fine."))
    assert "Influencers & creators" not in u.rules.excluded_channels
    assert "Instagram" in u.channels
