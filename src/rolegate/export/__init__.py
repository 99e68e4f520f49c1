"""rolegate.yaml for other engines: CloudFormation templates (and the StackSet that deploys the spoke side),
Terraform JSON. Everything here is generated from the compiled `Desired` state, the one source of truth that
direct apply uses too, so the three engines cannot drift apart."""
