"""The resources screen (``o``): every ``[[resources]]`` entry read live, as the runbooks' checks say.

The list shows each resource's worst finding; the pane under it the highlighted one in
full (findings first, then its configuration). Every resource is read again every
``[cockpit] resources_refresh`` seconds while the screen is open, four at a time; a resource
that cannot be read is one line in its row and the others go on; when none can be read
the title says why and the next pass backs off. ``x`` offers the actions on the
highlighted resource, first those that fix one of its findings (a denied permission:
``iam.grant`` of exactly that action on that resource); each is confirmed as always.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets.option_list import Option

from services.errors import SourceError
from services.formatting import local_clock
from services.profile import Profile
from services.profile.resources import ResourceSpec
from tui.flows.cockpit import cockpit
from tui.flows.polling import Poller
from tui.messages import ResourceRead, ResourcesRead, SourceFailed
from tui.screens.choice import ChoiceScreen
from widgets.pane_title import PaneTitle
from widgets.resource_detail import DetailField, DetailFinding, ResourceDetail, ResourceDetailData
from widgets.resource_list import ResourceList, ResourceRow

if TYPE_CHECKING:
    from services.aws.resources import ResourceReading
    from services.aws.session import AwsSession

READERS_AT_ONCE = 4

# Per resource type: the ``Action.target_kind`` its name can be, and how the name is written there.
TARGET_OF_KIND: dict[str, dict[str, str]] = {
    "lambda": {"Lambda function name": "{name}"},
    "sqs": {"SQS queue name": "{name}", "SQS queue name, URL or ARN": "{name}", "SQS dead-letter queue name": "{name}"},
    "dynamodb": {"DynamoDB table name": "{name}"},
    "events-rule": {"EventBridge rule name": "{name}"},
    "iam-role": {"IAM role name": "{name}", "user/NAME or role/NAME": "role/{name}"},
}


def open_resources(node: MessagePump, resource_ids: list[str] | None = None, *, about: str = "") -> None:
    """The resources screen, on the first of ``resource_ids`` (what a tile, an alarm or a playbook
    names); ``about`` says what pointed there when it names none of the profile's resources."""
    owner = cockpit(node)
    app = owner.app
    if not owner.profile.resources:
        app.notify("This profile has no [[resources]] to inspect.", severity="warning")
        return
    if owner.sources.aws is None:
        app.notify("Not connected yet: resources are read once the sources are.", severity="warning")
        return
    if resource_ids == [] and about:
        app.notify(f"{about}: no resource of this profile matches; showing them all.", severity="information")
    first = resource_ids[0] if resource_ids else None
    app.push_screen(ResourcesScreen(owner.profile, owner.sources.aws, resource_id=first, read_only=owner.read_only))


def resource_actions(spec: ResourceSpec) -> list[tuple[str, str, dict[str, Any]]]:
    """(action id, target, parameters) of every catalog action that takes this resource as its target."""
    from services.actions.catalog import CATALOG

    kinds = TARGET_OF_KIND.get(spec.type, {})
    found = []
    for action_id, cls in CATALOG.items():
        written = kinds.get(cls.target_kind)
        if written is not None and spec.name:
            params = {"alias": spec.alias} if action_id == "lambda.rollback" and spec.alias else {}
            found.append((action_id, written.format(name=spec.name), params))
    return found


def row_of(spec: ResourceSpec, reading: ResourceReading | None, error: SourceError | None) -> ResourceRow:
    if error is not None and reading is not None:  # the last good read stays; the row says it is stale
        return ResourceRow(spec.id, spec.type, reading.name, reading.status, "fail", f"stale: {error}", "failed")
    if error is not None:
        return ResourceRow(spec.id, spec.type, spec.title, "unreadable", "fail", str(error), "failed")
    if reading is None:
        return ResourceRow(spec.id, spec.type, spec.title)
    worst = [finding for finding in reading.findings if finding.level == reading.level]
    note = worst[0].text if worst and reading.level != "ok" else (
        f"{len(reading.findings)} check(s) ok" if reading.findings else "")
    if len(worst) > 1 and reading.level != "ok":
        note = f"{note} (+{len(worst) - 1})"
    return ResourceRow(spec.id, spec.type, reading.name, reading.status, reading.level, note, "read")


def detail_of(spec: ResourceSpec, reading: ResourceReading | None, error: SourceError | None) -> ResourceDetailData:
    if reading is None:
        return ResourceDetailData(spec.id, spec.type, spec.title, "unreadable" if error else "reading…",
                                  failure=str(error) if error else "")
    return ResourceDetailData(
        spec.id, spec.type, reading.name, reading.status, reading.read_at,
        tuple(DetailField(item.label, item.value, item.detail) for item in reading.fields),
        tuple(DetailFinding(finding.level, finding.text, finding.offer.describe() if finding.offer else "")
              for finding in reading.findings),
        failure=f"last read failed: {error} (showing the read of {local_clock(reading.read_at)})" if error else "")


class ResourcesScreen(Screen):
    """Every resource of the profile, live; ``resource_id`` opens with that one highlighted."""

    WORKER_SOURCES = frozenset({"resources"})

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("r", "refresh_now", "Refresh"),
        Binding("x", "actions", "Actions", tooltip="Actions on the highlighted resource, fixes of its findings first"),
        Binding("tab", "app.focus_next", "Detail", show=False),
    ]

    DEFAULT_CSS = """
    ResourcesScreen ResourceList {
        max-height: 40%;
    }
    """

    def __init__(self, profile: Profile, session: AwsSession, *, resource_id: str | None = None,
                 read_only: bool = False) -> None:
        super().__init__()
        self.profile = profile
        self.session = session
        self.initial = resource_id
        self.read_only = read_only
        self.specs = {spec.id: spec for spec in profile.resources}
        self.readings: dict[str, ResourceReading] = {}
        self.errors: dict[str, SourceError] = {}
        self.poller: Poller | None = None

    def compose(self) -> ComposeResult:
        yield PaneTitle("RESOURCES", id="resources-title")
        yield ResourceList(id="resource-list")
        yield ResourceDetail(id="resource-detail")
        yield Footer()

    def on_mount(self) -> None:
        listing = self.query_one(ResourceList)
        listing.show([row_of(spec, None, None) for spec in self.specs.values()])
        if self.initial in self.specs:
            listing.select(self.initial)
        listing.focus()
        self._show_detail()
        title = self.query_one("#resources-title", PaneTitle)
        if not self.specs:
            title.show("this profile has no [[resources]] (see profile.investigate.toml)", "warning")
            return
        title.show(f"reading {len(self.specs)} resource(s)…", "busy")
        self.poller = Poller("resources", self, self.read_all, lambda counts: ResourcesRead(*counts),
                             self.profile.cockpit.resources_refresh)
        self.run_worker(self.poller.run(), name="resources", group="resources", exclusive=True, exit_on_error=False)

    def read_all(self) -> tuple[int, int]:
        """One pass (a thread): each reading is posted as it arrives. When none could be read, the
        first error is raised, so the poller's title line and backoff take over."""
        from services.aws.resources import read_resource

        def read(spec: ResourceSpec) -> SourceError | None:
            try:
                reading = read_resource(self.session, spec)
            except SourceError as error:
                self.post_message(ResourceRead(spec.id, None, error))
                return error
            except Exception as error:  # a reader's bug: this row says so, the others go on
                wrapped = SourceError(f"unexpected {type(error).__name__}: {error}")
                self.post_message(ResourceRead(spec.id, None, wrapped))
                return wrapped
            self.post_message(ResourceRead(spec.id, reading))
            return None

        with ThreadPoolExecutor(max_workers=READERS_AT_ONCE, thread_name_prefix="resource") as pool:
            errors = [error for error in pool.map(read, self.specs.values()) if error is not None]
        if errors and len(errors) == len(self.specs):
            raise errors[0]
        return len(self.specs), len(errors)

    # ------------------------------------------------------------------ data in
    @on(ResourceRead)
    def show_reading(self, message: ResourceRead) -> None:
        if not self.is_attached or not self.query(ResourceList):
            return  # a pass's last readings, arriving after the screen closed
        spec = self.specs[message.resource_id]
        if message.reading is not None:
            self.readings[spec.id] = message.reading
            self.errors.pop(spec.id, None)
        elif message.error is not None:
            self.errors[spec.id] = message.error
        self.query_one(ResourceList).update(row_of(spec, self.readings.get(spec.id), self.errors.get(spec.id)))
        if self.query_one(ResourceList).cursor_key == spec.id:
            self._show_detail()

    @on(ResourcesRead)
    def pass_done(self, message: ResourcesRead) -> None:
        if not self.is_attached:
            return
        levels = [reading.level for key, reading in self.readings.items() if key not in self.errors]
        parts = [f"{message.total} resource(s)", f"{levels.count('fail')} failing", f"{levels.count('warn')} warning"]
        if message.failed:
            parts.append(f"{message.failed} unreadable")
        parts.append(f"read {local_clock(datetime.now(UTC))} · every {self.profile.cockpit.resources_refresh:.0f}s")
        level = "error" if message.failed or "fail" in levels else "warning" if "warn" in levels else "ok"
        self.query_one("#resources-title", PaneTitle).show(" · ".join(parts), level)

    @on(SourceFailed)
    def show_failure(self, message: SourceFailed) -> None:
        self.query_one("#resources-title", PaneTitle).show(message.status, message.level)

    @on(ResourceList.Highlighted)
    def highlighted(self, message: ResourceList.Highlighted) -> None:
        message.stop()
        self._show_detail()

    @on(ResourceList.Opened)
    def opened(self, message: ResourceList.Opened) -> None:
        self.query_one(ResourceDetail).focus()

    def _show_detail(self) -> None:
        if not self.query(ResourceDetail) or not self.query_one(ResourceDetail).query("#resource-detail-text"):
            return  # not composed yet, or being removed
        key = self.query_one(ResourceList).cursor_key
        detail = self.query_one(ResourceDetail)
        if key is None:
            detail.show(None)
            return
        detail.show(detail_of(self.specs[key], self.readings.get(key), self.errors.get(key)))

    # ------------------------------------------------------------------ keys
    def action_refresh_now(self) -> None:
        if self.poller is not None:
            self.poller.wake()

    def select(self, resource_id: str) -> None:
        """Highlight ``resource_id`` (a tile's or alarm's resource, a playbook's ``resource:ID``)."""
        self.query_one(ResourceList).select(resource_id)
        self._show_detail()

    def action_actions(self) -> None:
        key = self.query_one(ResourceList).cursor_key
        if key is None:
            return
        spec = self.specs[key]
        reading = self.readings.get(key)
        choices: dict[str, tuple[str, str, dict[str, Any]]] = {}
        options = []
        for index, (finding, offer) in enumerate(reading.offers if reading else []):  # fixes first
            label = Text()
            label.append(f"{offer.action:16}", "bold green")
            label.append(" fixes: ", "dim")
            label.append(finding.text.split(": ", 1)[0])  # "sqs:SendMessage on arn:…" (the verdict is in the detail)
            choices[f"offer-{index}"] = (offer.action, offer.target, dict(offer.params))
            options.append(Option(label, id=f"offer-{index}"))
        for action_id, target, params in resource_actions(spec):
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append(f"{action_id:24}", "bold")
            label.append(f" {target}")
            label.append("".join(f" {key}={value}" for key, value in params.items()), "dim")
            choices[action_id] = (action_id, target, params)
            options.append(Option(label, id=action_id))
        if not options:
            self.notify(f"{spec.id}: no action of the catalog takes a {spec.type} resource", severity="warning")
            return
        heading = Text(" ACTIONS ", "bold reverse")
        heading.append(f"  on {spec.type} {spec.title} (each one confirmed)")
        if self.read_only:
            heading.append("   READ-ONLY: plans only", "bold yellow")

        def chosen(choice: str | None) -> None:
            if choice in choices:
                action_id, target, params = choices[choice]
                cockpit(self).start_action(action_id, target, params)

        self.app.push_screen(ChoiceScreen(heading, options), callback=chosen)
