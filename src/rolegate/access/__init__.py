"""Who may do what: IAM evaluation (policy.py), one request decided (decide.py), the reach graph (graph.py).

`rolegate.access.decide(snapshot_or_graph, principal_arn, action, resource_arn, context)` is the public
question "may this principal make this request", answered with its reasons (see decide.py).
"""

from rolegate.access.decide import Decision, decide

__all__ = ["Decision", "decide"]
