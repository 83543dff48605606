-- Queries to look at out/warehouse.db after the quickstart run:
--   sqlite3 out/warehouse.db < queries.sql
.headers on
.mode column

-- Rows per table.
SELECT 'contacts' AS tbl, COUNT(*) AS n FROM contacts
UNION ALL SELECT 'deals', COUNT(*) FROM deals
UNION ALL SELECT 'orders', COUNT(*) FROM orders
UNION ALL SELECT 'inventory', COUNT(*) FROM inventory;

-- One customer typed three ways in the CRM (" Ivan.Petrov@Mail.RU", ...): one row.
SELECT name, email, phone, company, owner FROM contacts WHERE email = 'ivan.petrov@mail.ru';

-- The five biggest orders; money stays exact text in the table, SQL does the sums.
SELECT order_id, email, status, COUNT(*) AS lines,
       printf('%.2f', SUM(qty * unit_price)) AS total
FROM orders GROUP BY order_id ORDER BY SUM(qty * unit_price) DESC LIMIT 5;

-- Best customers: shop orders joined to the CRM by the normalised e-mail.
SELECT c.name, c.company, COUNT(DISTINCT o.order_id) AS orders,
       printf('%.2f', SUM(o.qty * o.unit_price)) AS revenue
FROM orders o JOIN contacts c ON c.email = o.email
GROUP BY c.email ORDER BY SUM(o.qty * o.unit_price) DESC LIMIT 5;

-- Nested JSON is kept as JSON text: where did the parcels go?
SELECT json_extract(shipping, '$.address.city') AS city, COUNT(DISTINCT order_id) AS orders
FROM orders WHERE json_extract(shipping, '$.method') <> 'pickup'
GROUP BY city ORDER BY orders DESC, city;

-- Best sellers and what is left in stock across warehouses.
SELECT o.sku, i.name, SUM(o.qty) AS sold, i.in_stock
FROM orders o
JOIN (SELECT sku, MIN(name) AS name, SUM(qty) AS in_stock FROM inventory GROUP BY sku) i ON i.sku = o.sku
GROUP BY o.sku ORDER BY sold DESC, o.sku LIMIT 5;

-- The sales funnel from the CRM, deals in roubles.
SELECT stage, COUNT(*) AS deals, printf('%.2f', SUM(amount)) AS amount_rub
FROM deals WHERE currency = 'RUB'
GROUP BY stage ORDER BY MIN(probability) DESC;
