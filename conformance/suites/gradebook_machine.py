"""The gradebook state machine: random sequences of grade book writes, each compared with the oracle.

Each example starts from the sandbox class as it is, then PUTs, re-PUTs, renames and DELETEs line
items, results and categories (valid and invalid ones, conformance/strategies.py), re-scores
results and, on a mock-ic target, makes teacher edits inside "IC" (IC-RES-ONE-WAY). After every
step it GETs what the step touched and reads the class's lists, restricted to its own objects, and
compares both with the model (conformance/model.py). A handful of ids per kind keeps the steps
colliding: replacing, renaming onto another title, deleting what results or line items still use.
What an example wrote is deleted when it ends.
"""

from __future__ import annotations

from typing import Any, ClassVar

from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test

from conformance import strategies
from conformance.suites.gradebook_driver import Driver, Env

LINE_ITEM_SLOTS = 3
RESULT_SLOTS = 4
CATEGORY_SLOTS = 2
DEFAULT_EXAMPLES = 15
DEFAULT_STEPS = 15


class GradebookMachine(RuleBasedStateMachine):
    env: ClassVar[Env | None] = None  # set by run() for the duration of one test

    def __init__(self) -> None:
        super().__init__()
        env = type(self).env
        assert env is not None, "GradebookMachine runs through gradebook_machine.run()"
        env.transcript.start()  # a failure shows the (shrunk) example's requests only
        self.env = env
        self.ctx = env.context
        self.driver = Driver(env, env.fresh_model())
        self.slots: dict[str, list[str]] = {"lineItems": [], "results": [], "categories": []}

    @property
    def model(self) -> Any:
        return self.driver.model

    def slot(self, kind: str, index: int) -> str:
        while len(self.slots[kind]) <= index:
            self.slots[kind].append(self.driver.new_id(kind))
        return self.slots[kind][index]

    def stored(self, kind: str) -> list[str]:
        """This example's objects the model holds, with the body that made them."""
        held = {"lineItems": self.model.line_items, "results": self.model.results,
                "categories": self.model.categories}[kind]
        return [i for i in self.slots[kind] if i in held and i in self.driver.bodies]

    def titles(self, *, besides: str | None = None) -> list[str]:
        return [self.model.line_items[i].title for i in self.slots["lineItems"]
                if i in self.model.line_items and i != besides]

    def kit_categories(self) -> list[str]:
        return [i for i in self.slots["categories"] if i in self.model.categories]

    def after(self, kind: str, sourced_id: str, *lists: str) -> None:
        self.driver.check(kind, sourced_id)
        self.driver.check_lists(*(lists or (kind,)))

    # -- line items -----------------------------------------------------------------------------

    @initialize(data=st.data())
    def first_line_item(self, data: st.DataObject) -> None:
        """A valid line item to start from, so that results have something to land on."""
        sourced_id = self.slot("lineItems", 0)
        self.driver.put("lineItems", sourced_id, data.draw(strategies.line_item(self.ctx, valid=True),
                                                           label="first lineItem"))
        self.after("lineItems", sourced_id)

    @rule(index=st.integers(0, LINE_ITEM_SLOTS - 1), data=st.data())
    def put_line_item(self, index: int, data: st.DataObject) -> None:
        sourced_id = self.slot("lineItems", index)
        body = data.draw(strategies.line_item(self.ctx, existing_titles=self.titles(besides=sourced_id),
                                              categories=self.kit_categories()), label="lineItem")
        self.driver.put("lineItems", sourced_id, body)
        self.after("lineItems", sourced_id)

    @precondition(lambda self: bool(self.stored("lineItems")))
    @rule(data=st.data())
    def rename_line_item(self, data: st.DataObject) -> None:
        sourced_id = data.draw(st.sampled_from(self.stored("lineItems")), label="lineItem id")
        title = data.draw(strategies.title(self.ctx, self.titles(besides=sourced_id)), label="new title")
        self.driver.put("lineItems", sourced_id, {**self.driver.bodies[sourced_id], "title": title})
        self.after("lineItems", sourced_id)

    @precondition(lambda self: bool(self.stored("lineItems")))
    @rule(data=st.data())
    def delete_line_item(self, data: st.DataObject) -> None:
        sourced_id = data.draw(st.sampled_from(self.stored("lineItems")), label="lineItem id")
        results = [r for r in self.slots["results"]
                   if r in self.model.results and self.model.results[r].line_item == sourced_id]
        self.driver.delete("lineItems", sourced_id)
        for result in results:  # IC-LI-DELETE: its results go with it
            self.driver.check("results", result)
        self.after("lineItems", sourced_id, "lineItems", "results")

    # -- results --------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.stored("lineItems")))
    @rule(index=st.integers(0, RESULT_SLOTS - 1), data=st.data())
    def put_result(self, index: int, data: st.DataObject) -> None:
        sourced_id = self.slot("results", index)
        # On a line item that exists, or (invalid) on one that never did: IC-RES-UPSERT.
        body = data.draw(strategies.result(self.ctx, self.stored("lineItems"),
                                           unknown_line_item=self.env.unknown_line_item()), label="result")
        self.driver.put("results", sourced_id, body)
        self.after("results", sourced_id)

    @precondition(lambda self: bool(self.stored("results")))
    @rule(data=st.data())
    def rescore_result(self, data: st.DataObject) -> None:
        sourced_id = data.draw(st.sampled_from(self.stored("results")), label="result id")
        previous = self.driver.bodies[sourced_id]
        style = "strict" if "href" in previous["lineItem"] else "lenient"
        graded = data.draw(strategies.grading(self.ctx, style, valid=data.draw(st.integers(0, 4), label="v") > 0),
                           label="grading")
        body = {"lineItem": previous["lineItem"], "student": previous["student"], **graded}
        self.driver.put("results", sourced_id, body)
        self.after("results", sourced_id)

    @precondition(lambda self: bool(self.stored("results")))
    @rule(data=st.data())
    def delete_result(self, data: st.DataObject) -> None:
        sourced_id = data.draw(st.sampled_from(self.stored("results")), label="result id")
        self.driver.delete("results", sourced_id)
        self.after("results", sourced_id)

    @precondition(lambda self: self.env.admin is not None and bool(self.stored("results")))
    @rule(data=st.data())
    def teacher_edit(self, data: st.DataObject) -> None:
        """IC-RES-ONE-WAY: a teacher changes the score inside IC; the vendor sees it on GET."""
        sourced_id = data.draw(st.sampled_from(self.stored("results")), label="result id")
        score = data.draw(st.one_of(st.none(), st.integers(0, 40), st.sampled_from([12.5, 0.75])), label="score")
        try:
            self.env.admin.teacher_edit(sourced_id, score=score)
        except RuntimeError as error:
            raise AssertionError(f"IC-RES-ONE-WAY: the teacher edit of result {sourced_id} to {score!r} "
                                 f"was refused: {error}") from None
        self.driver.last[sourced_id] = (f"teacher edit of {sourced_id}: score {score!r}",
                                        self.driver.last[sourced_id][1])
        self.model.teacher_edit(sourced_id, score)
        self.after("results", sourced_id)

    # -- categories -----------------------------------------------------------------------------

    @rule(index=st.integers(0, CATEGORY_SLOTS - 1), data=st.data())
    def put_category(self, index: int, data: st.DataObject) -> None:
        sourced_id = self.slot("categories", index)
        body = data.draw(strategies.category(self.ctx), label="category")
        self.driver.put("categories", sourced_id, body)
        self.after("categories", sourced_id)

    @precondition(lambda self: bool(self.stored("categories")))
    @rule(data=st.data())
    def delete_category(self, data: st.DataObject) -> None:
        sourced_id = data.draw(st.sampled_from(self.stored("categories")), label="category id")
        self.driver.delete("categories", sourced_id)
        self.after("categories", sourced_id)

    def teardown(self) -> None:
        self.driver.cleanup()


# No shrinking: against a live server each shrink attempt replays a whole example (hundreds of writes,
# minutes), and an example is short anyway (at most DEFAULT_STEPS steps, each failure naming its rule).
PHASES = (Phase.explicit, Phase.reuse, Phase.generate)


def run(env: Env, *, examples: int = DEFAULT_EXAMPLES, steps: int = DEFAULT_STEPS) -> None:
    """Run the machine against the target (the other settings come from the plugin's profile)."""
    GradebookMachine.env = env
    try:
        run_state_machine_as_test(GradebookMachine, settings=settings(max_examples=examples,
                                                                      stateful_step_count=steps, phases=PHASES))
    finally:
        GradebookMachine.env = None
