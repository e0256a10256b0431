"""Discussion prompts: the bank, recurrence rules, the scheduler, posting and the plan store."""
