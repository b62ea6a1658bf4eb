"""Plain data and rules of retention: facts about applications, policies, holds and deadlines. No I/O."""
