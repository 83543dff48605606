-- Queries to look at out/warehouse.db after a run of the crm-shop example:
--   sqlite3 out/warehouse.db < queries.sql
.headers on
.mode column

-- Rows per table.
SELECT 'crm_contacts' AS tbl, COUNT(*) AS n FROM crm_contacts
UNION ALL SELECT 'crm_companies', COUNT(*) FROM crm_companies
UNION ALL SELECT 'crm_deals', COUNT(*) FROM crm_deals
UNION ALL SELECT 'shop_orders', COUNT(*) FROM shop_orders
UNION ALL SELECT 'shop_customers', COUNT(*) FROM shop_customers
UNION ALL SELECT 'shop_products', COUNT(*) FROM shop_products
UNION ALL SELECT 'shop_stock', COUNT(*) FROM shop_stock;

-- The sales pipeline: HubSpot keeps every property as text, nested under properties.
SELECT properties ->> 'dealstage' AS stage, COUNT(*) AS deals,
       printf('%.2f', SUM(CAST(properties ->> 'amount' AS REAL))) AS amount
FROM crm_deals GROUP BY stage ORDER BY SUM(CAST(properties ->> 'amount' AS REAL)) DESC;

-- Shop revenue per month of paid orders (money is exact text; SQL converts when it sums).
SELECT substr(created_at, 1, 7) AS month, COUNT(*) AS orders, printf('%.2f', SUM(total_price)) AS revenue
FROM shop_orders WHERE financial_status = 'paid' GROUP BY month ORDER BY month DESC LIMIT 6;

-- Best sellers: line items stay nested in the order; json_each unnests them.
SELECT li.value ->> 'sku' AS sku, li.value ->> 'title' AS title, SUM(li.value ->> 'quantity') AS units
FROM shop_orders o, json_each(o.line_items) li
GROUP BY sku ORDER BY units DESC LIMIT 5;

-- Stock per product and location: inventory levels meet the products' variants on inventory_item_id.
SELECT p.title, v.value ->> 'sku' AS sku, s.location_id, s.available
FROM shop_products p, json_each(p.variants) v
JOIN shop_stock s ON s.inventory_item_id = v.value ->> 'inventory_item_id'
ORDER BY s.available DESC LIMIT 5;

-- Shop customers who are also CRM contacts, matched on the lower-cased e-mail.
SELECT COUNT(*) AS customers_in_crm
FROM shop_customers c JOIN crm_contacts k ON lower(trim(c.email)) = lower(trim(k.properties ->> 'email'));
