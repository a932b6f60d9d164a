-- Nothing to undo: the columns and their meaning are the same in either order.
SELECT 1;
