DROP TABLE changes_pruned;
DROP TABLE scheduled_changes;
DROP TABLE changes;
