-- Order lines as the sqlite sink stores a shop's orders (one row per line,
-- decimals as text). Three orders; the second has a fractional quantity
-- and a customer name that needs XML escaping.
CREATE TABLE orders (order_id TEXT, line_no INTEGER, created_at TEXT, status TEXT, email TEXT,
                     customer_name TEXT, sku TEXT, product_name TEXT, qty TEXT, unit_price TEXT, currency TEXT);
INSERT INTO orders VALUES
  ('SO-240001', 1, '2024-06-12T19:49:54+03:00', 'paid', 'ivan.petrov@mail.ru', 'Иван Петров', 'SKU-1017', 'Стол обеденный', '3', '1590.00', 'RUB'),
  ('SO-240001', 2, '2024-06-12T19:49:54+03:00', 'paid', 'ivan.petrov@mail.ru', 'Иван Петров', 'SKU-1008', 'Стул', '4', '299.90', 'RUB'),
  ('SO-240002', 1, '2024-06-13T10:05:00+03:00', 'shipped', 'zakaz@roga.ru', 'ООО "Рога & Копыта" <опт>', 'SKU-2001', 'Кабель, м', '2.5', '0.10', 'RUB'),
  ('SO-240002', 2, '2024-06-13T10:05:00+03:00', 'shipped', 'zakaz@roga.ru', 'ООО "Рога & Копыта" <опт>', 'SKU-2002', 'Коннектор', '3', '0.10', 'RUB'),
  ('SO-240003', 1, '2024-06-14 08:00:00', 'new', 'anna@example.com', 'Анна Смирнова', 'SKU-1017', 'Стол обеденный', '1', '1590.00', NULL);
