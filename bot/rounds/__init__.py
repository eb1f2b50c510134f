"""Question rounds: a closed deal becomes asks, asks reach people in their hours, answers come back."""
