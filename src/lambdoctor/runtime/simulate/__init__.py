"""``lambdoctor simulate``: the real handler driven through a trigger's documented semantics on a virtual clock.

Triggers: SQS and Kinesis/DynamoDB-stream event source mappings, asynchronous invocation and API Gateway's
synchronous calls; the handler's own AWS calls (``runtime/aws_capture.py``) are answered here, so a message it sends
to its own queue, or a function it invokes, is part of the simulation.

The parts: ``scenario`` (what a scenario says and what a run reports), ``limits`` (Lambda's numbers), ``core``
(clock, environments, concurrency, the handler's AWS calls, recursion), one module per trigger (``sqs``,
``streams``, ``async_invoke``, ``api``) and ``simulator``, which puts them together. Each module's docstring
states the documented semantics it implements.
"""

from lambdoctor.runtime.simulate.scenario import Report, Scenario, ScenarioError, Trigger, load_scenario
from lambdoctor.runtime.simulate.simulator import Simulator, simulate

__all__ = ["Report", "Scenario", "ScenarioError", "Simulator", "Trigger", "load_scenario", "simulate"]
