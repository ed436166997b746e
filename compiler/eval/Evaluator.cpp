// Placeholder until the reference evaluator lands.
