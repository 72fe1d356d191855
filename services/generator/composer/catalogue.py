"""The composer's data: channels, industry profiles and business-model playbooks, as YAML files in
composer/data/ checked by these schemas when first loaded.

What an experienced strategist would assume when a brief is silent lives here as data (benchmarks, channel
mixes, funnels, offers, CRM flows, personas), not in code: changing a benchmark or adding a playbook is an
edit to a YAML file. Channel names are the vocabulary's (services/generator/domain/vocabulary.yaml).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.generator.domain.readers.business_type import type_by_key
from services.generator.domain.understanding import BusinessModel, PriceKind
from services.generator.domain.vocabulary import vocabulary

Stage = Literal["awareness", "consideration", "conversion", "retention"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ----- channels -------------------------------------------------------------------------------------------


class PlatformRules(_Strict):
    """How to post on a social platform."""

    formats: str
    specs: str
    per_week: str
    best_times: str
    hashtags: str  # how many per post


class ChannelCopy(_Strict):
    name: str
    role: str
    formats: tuple[str, ...]
    owner: str
    pricing: str  # how it is bought and judged
    cpm_factor: float = 1.0  # relative to the industry's planning CPM
    media: bool = True  # bought by the impression (counts towards paid reach)
    platform: PlatformRules | None = None
    actions: dict[Stage, tuple[str, ...]] = Field(
        default_factory=dict
    )  # day-plan actions; Jinja: {{ brand }} etc.

    @property
    def kind(self) -> str:
        return vocabulary().channel(self.name).kind


class BudgetExtra(_Strict):
    """A budget line beside the channels (production, measurement, reserve), or the channels summed."""

    name: str
    role: str  # Jinja, rendered with the plan
    weight: int = Field(default=0, ge=0)  # points of the whole budget (0 for the channels' sum)


# ----- industries -----------------------------------------------------------------------------------------


class Segment(_Strict):
    name: str
    who: str
    need: str


class Persona(_Strict):
    role: str
    age: str
    goal: str
    pain: str
    hangouts: str
    convinced_by: str


class Objection(_Strict):
    objection: str
    answer: str


class Industry(_Strict):
    key: str
    noun: str  # how we name the category when the brief gives none
    match: tuple[str, ...]
    conversion: str  # plural, for the general playbook
    conversion_one: str
    value_label: str
    value: int  # USD per conversion (planning assumption, general playbook)
    cpm: float  # USD
    ctr: float
    cvr: float
    working_budget: int  # USD for a 12-week programme
    channels: dict[str, int]
    audience: str
    segments: tuple[Segment, Segment, Segment]
    personas: tuple[Persona, Persona, Persona]
    objectives: tuple[str, ...]
    offers: tuple[str, str, str, str]
    pillars: tuple[str, str, str, str, str]
    tone: str
    hashtags: tuple[str, ...]
    creators: str
    trends: tuple[str, str, str]
    insight: str
    proof: tuple[str, str, str]
    objections: tuple[Objection, Objection, Objection]
    alternatives: str
    mood: str


# ----- business-model playbooks ---------------------------------------------------------------------------


class FunnelStage(_Strict):
    key: str
    name: str  # plural, e.g. "sales-qualified leads"
    one: str  # singular
    rate: float | None = Field(
        default=None, gt=0, le=1
    )  # share of the previous stage; None: the industry's cvr
    # What a kind of business that shares the playbook counts at this stage, in its own words:
    # business type key (business_types.yaml) -> (plural, singular). A dealer counts test drives, not applications.
    kinds: dict[str, tuple[str, str]] = Field(default_factory=dict)

    def named_for(self, business_type: str) -> tuple[str, str]:
        """(plural, singular) for the kind of business, or the playbook's own."""
        return self.kinds.get(business_type, (self.name, self.one))


class Funnel(_Strict):
    base: Literal["clicks", "reach"]  # what the first stage is a share of
    frequency: float = Field(default=3.0, gt=0)  # impressions per person reached (for "reach")
    stages: tuple[FunnelStage, ...]
    primary: str  # the stage KPIs and cost-per targets are about
    value_stage: str  # the stage that earns revenue
    value_from: tuple[PriceKind, ...]  # which stated price sets the value, in order
    value_multiplier: float = 1.0  # e.g. units a buyer buys in the period, months a subscriber stays
    monthly_price_months: int = 12  # a monthly price is worth this many months (first-year value)
    value_label: str
    fallback_value: int  # USD per value-stage conversion when the brief states no price
    units_per_buyer: float | None = None  # CPG: units sold per value-stage buyer in the period

    @model_validator(mode="after")
    def _stages_known(self) -> Funnel:
        keys = [s.key for s in self.stages]
        if self.primary not in keys or self.value_stage not in keys:
            raise ValueError(
                f"primary and value_stage must be stage keys, got {self.primary}, {self.value_stage}"
            )
        return self


class Flow(_Strict):
    name: str
    trigger: str
    messages: str
    timing: str
    goal: str


class EventPlay(_Strict):
    """How this kind of business works an event; Jinja lines, {{ event }} is its name, {{ n }} the day."""

    before: tuple[str, str, str]  # two weeks, one week and one day before
    during: tuple[str, ...]  # one line per event day, repeated from the last
    after: tuple[str, str]  # the day after, and a week after
    goal: str  # what the event days are judged on


class IdeaStage(_Strict):
    stage: str
    execution: str  # copy, rendered with the plan
    kinds: tuple[str, ...]  # channel kinds that can lead it, best first
    when: str


class AdAngle(_Strict):
    key: str  # the creative bank's angle for other languages: tension, proof, offer, event, switch
    name: str
    question: str
    headline: str  # English copy
    body: str
    visual: str
    kinds: tuple[str, ...]


class InfluenceTier(_Strict):
    name: str
    count: int = Field(ge=1)
    role: str
    weight: int = Field(ge=1)


class Influence(_Strict):
    intro: str
    tiers: tuple[InfluenceTier, ...]
    criteria: tuple[str, ...]
    brief: tuple[str, ...]
    measurement: str
    advocates: str  # who speaks when the brief rules paid creators out
    advocate_rows: tuple[tuple[str, str, str], ...]


class Meeting(_Strict):
    meeting: str
    who: str
    cadence: str
    output: str


class Question(_Strict):
    question: str
    measure: str
    source: str


class PlaybookCopy(_Strict):
    """A business model's copy for the flagship sections. Every string is a Jinja2 line rendered with the
    plan (`plan`, `pb`, `copy`, `ind`, `creative`), so it can use the brief's facts."""

    # What each kind of channel (vocabulary.yaml `kind`) is for in this business model; it follows the
    # channel's own role in the budget split and the channel roles. Channels of one kind take them in turn.
    channel_aims: dict[str, tuple[str, ...]]

    overview_goal: str
    pov_competitors: str
    pov_plan: str
    objective_intro: str
    success: tuple[str, ...]
    guardrails: tuple[str, ...]
    gap_sources: str
    ideas: tuple[str, ...]
    idea_line: str
    tension: str
    resolution: str
    idea_stages: tuple[IdeaStage, IdeaStage, IdeaStage, IdeaStage]
    taglines: tuple[str, str, str]
    cta: str
    messaging_intro: str
    difference: str
    proof_line: str
    compete_angles: tuple[tuple[str, str], ...]  # (where we win, how we say it), cycled over competitors
    umbrella: str
    tone_line: str
    words_use: tuple[str, ...]
    words_avoid: tuple[str, ...]
    channel_intro: str
    sequencing: tuple[str, ...]
    mix_logic: str
    segments_intro: str
    segment_reasons: tuple[str, str, str]
    targeting: tuple[str, ...]
    persona_offer: str
    creative_intro: str
    creative_formats: tuple[str, ...]
    creative_dos: tuple[tuple[str, str], ...]
    influence: Influence
    promotions_intro: str
    offer_windows: tuple[tuple[str, str, str], ...]  # (when, for whom, guardrail) for offers 1-4
    offer_rules: tuple[str, ...]
    calendar_notes: tuple[str, ...]
    crm_intro: str
    subject_lines: tuple[str, str, str]
    crm_segmentation: tuple[str, ...]
    crm_benchmarks: tuple[str, ...]
    ad_intro: str
    ad_angles: tuple[AdAngle, AdAngle, AdAngle]
    ad_testing: str
    kpi_intro: str
    kpi_notes: str
    roadmap_intro: str
    governance: tuple[Meeting, ...]
    dependencies: tuple[str, ...]
    analysis_intro: str
    analysis: tuple[Question, ...]
    learning_agenda: tuple[str, ...]
    summary_line: str
    decisions: tuple[str, ...]
    pov_moment: str
    persona_intro: str
    calendar_intro: str
    creative_codes: str
    analysis_framework: tuple[str, ...]
    kpi_source: str
    objective_without_channels: str
    summary_points: tuple[str, ...]


class Playbook(_Strict):
    key: str
    label: str
    sells: str  # how this kind of business sells, for the overview
    event: EventPlay
    copydeck: PlaybookCopy  # the copy for the flagship sections (data/copy/<key>.yaml)
    funnel: Funnel
    metric_words: dict[str, tuple[str, ...]]  # stage key -> words objectives use for it
    # business type -> stage key -> its own words for the stage (read before `metric_words`)
    kind_metric_words: dict[str, dict[str, tuple[str, ...]]] = Field(default_factory=dict)

    def stage_words(self, business_type: str) -> list[tuple[str, str]]:
        """(word, stage key), longest first: the kind of business's own words, then the playbook's."""
        own = self.kind_metric_words.get(business_type, {})
        pairs = [(w, k) for k, ws in own.items() for w in ws]
        pairs += [(w, k) for k, ws in self.metric_words.items() for w in ws]
        return sorted(pairs, key=lambda wk: -len(wk[0]))

    channels: dict[str, int]  # the channel mix (weights); empty: the industry's
    offers: tuple[str, ...]
    crm_flows: tuple[Flow, ...]
    avoid: tuple[str, ...] = ()  # tactics that do not fit (never in a report for this model)

    @model_validator(mode="after")
    def _metric_stages(self) -> Playbook:
        keys = {s.key for s in self.funnel.stages} | {"units", "value"}
        unknown = set(self.metric_words) - keys
        if unknown:
            raise ValueError(f"{self.key}: metric_words for unknown stages {sorted(unknown)}")
        for kind_key, by_stage in self.kind_metric_words.items():
            kind = type_by_key(kind_key)
            if kind is None or kind.plan != self.key or not set(by_stage) <= keys:
                raise ValueError(f"{self.key}: kind_metric_words for {kind_key!r} do not fit the playbook")
        for stage in self.funnel.stages:
            for kind_key in stage.kinds:
                kind = type_by_key(kind_key)
                if kind is None or kind.plan != self.key:
                    raise ValueError(
                        f"{self.key}: stage {stage.key} is named for {kind_key!r}, not a kind it serves"
                    )
        kinds = {c.kind for c in vocabulary().channels}
        if set(self.copydeck.channel_aims) != kinds or not all(self.copydeck.channel_aims.values()):
            raise ValueError(f"{self.key}: channel_aims must cover the channel kinds {sorted(kinds)}")
        return self


class ObjectiveChannels(_Strict):
    """Channels an objective's words call for (boosted in the mix)."""

    words: tuple[str, ...]
    channels: tuple[str, ...]


class Catalogue(_Strict):
    channels: dict[str, ChannelCopy]
    industries: tuple[Industry, ...]
    # Profiles a kind of business names (business_types.yaml `profile`), never matched by an industry's words.
    kind_profiles: tuple[Industry, ...] = ()
    playbooks: dict[str, Playbook]
    objective_channels: tuple[ObjectiveChannels, ...]
    kind_actions: dict[str, dict[Stage, tuple[str, ...]]]
    other_lines: tuple[BudgetExtra, ...]
    media_line: BudgetExtra

    @field_validator("industries")
    @classmethod
    def _general_last(cls, value: tuple[Industry, ...]) -> tuple[Industry, ...]:
        if not value or value[-1].key != "general" or value[-1].match:
            raise ValueError("the last industry must be 'general' with no match words")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        names = set(vocabulary().channel_names)
        if set(self.channels) != names:
            raise ValueError(
                f"channel copy must cover exactly the vocabulary's channels; missing {sorted(names - set(self.channels))}, "
                f"unknown {sorted(set(self.channels) - names)}"
            )
        for key, copy in self.channels.items():
            if copy.name != key:
                raise ValueError(f"channel {key!r} is filed under another name ({copy.name!r})")
        keys = [i.key for i in (*self.industries, *self.kind_profiles)]
        if len(set(keys)) != len(keys):
            raise ValueError("industry and kind profile keys must be unique")
        for industry in (*self.industries, *self.kind_profiles):
            unknown = set(industry.channels) - names
            if unknown:
                raise ValueError(f"industry {industry.key}: unknown channels {sorted(unknown)}")
        models = {m.value for m in BusinessModel}
        if set(self.playbooks) != models:
            raise ValueError(f"playbooks must cover exactly the business models {sorted(models)}")
        for key, playbook in self.playbooks.items():
            if playbook.key != key:
                raise ValueError(f"playbook {key!r} is filed under another key")
            unknown = set(playbook.channels) - names
            if unknown:
                raise ValueError(f"playbook {key}: unknown channels {sorted(unknown)}")
        for rule in self.objective_channels:
            unknown = set(rule.channels) - names
            if unknown:
                raise ValueError(f"objective_channels: unknown channels {sorted(unknown)}")
        kinds = {c.kind for c in vocabulary().channels}
        if set(self.kind_actions) != kinds:
            raise ValueError(f"kind_actions must cover the channel kinds {sorted(kinds)}")
        return self

    def industry(self, key: str) -> Industry:
        return next(i for i in (*self.industries, *self.kind_profiles) if i.key == key)

    def playbook(self, model: BusinessModel) -> Playbook:
        return self.playbooks[model.value]


def _load(name: str) -> object:
    text = resources.files("services.generator.composer").joinpath("data", name).read_text("utf-8")
    return yaml.safe_load(text)


def _kind_profiles(industries: dict[str, Any]) -> list[dict[str, Any]]:
    """Each kind profile over the profile it names as `base` (its planning numbers), with its own words."""
    by_key = {i["key"]: i for i in industries["industries"]}
    out = []
    for profile in industries.get("kind_profiles", []):
        own = {k: v for k, v in profile.items() if k != "base"}
        out.append({**by_key[profile["base"]], **own, "match": []})
    return out


def raw_catalogue() -> dict[str, Any]:
    """Every data file as read, assembled the way the schema takes it (tests break copies of it)."""
    channels = _load("channels.yaml")
    industries = _load("industries.yaml")
    playbooks = _load("playbooks.yaml")
    assert isinstance(channels, dict) and isinstance(industries, dict) and isinstance(playbooks, dict)
    return {
        "channels": {c["name"]: c for c in channels["channels"]},
        "kind_actions": channels["kind_actions"],
        "other_lines": channels["other_lines"],
        "media_line": channels["media_line"],
        "industries": industries["industries"],
        "kind_profiles": _kind_profiles(industries),
        "playbooks": {
            p["key"]: {**p, "copydeck": _load(f"copy/{p['key']}.yaml")} for p in playbooks["playbooks"]
        },
        "objective_channels": playbooks["objective_channels"],
    }


@functools.cache
def catalogue() -> Catalogue:
    """Every data file, loaded and validated once (a broken file fails loudly at the first report)."""
    return Catalogue.model_validate(raw_catalogue())
