"""The baseline: a bare Textual app with a header line and a footer, nothing else."""
from textual.app import App, ComposeResult
from textual.widgets import Footer, Static


class BareApp(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(" ◆ incident-cockpit │ Sentra Scanner")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
