-- crafted.sql - a small canonical warehouse whose KPIs are worked out by
-- hand in test_report.sh (and again there with plain SQL). Money is TEXT,
-- as the sqlite sink stores the canonical decimal strings.
CREATE TABLE companies (company_id TEXT PRIMARY KEY, name TEXT, sector TEXT, country TEXT);
INSERT INTO companies VALUES
  ('C1', 'Acme', 'retail', 'US'),
  ('C2', 'Globex', 'tech', 'US'),
  ('C3', 'Initech', 'services', 'RU');

CREATE TABLE customers (customer_id TEXT PRIMARY KEY, name TEXT, email TEXT, company TEXT);
INSERT INTO customers VALUES
  ('U1', 'Alice', 'alice@example.com', 'Acme'),
  ('U2', 'Bob', 'bob@example.com', 'Globex'),
  ('U3', 'Светлана', 'sveta@example.ru', 'Initech'),
  ('U4', 'Dan', 'dan@example.com', NULL);

CREATE TABLE orders (order_id TEXT PRIMARY KEY, source TEXT, customer_id TEXT, customer_email TEXT,
                     created_at TEXT, status TEXT, currency TEXT, total TEXT, discount TEXT);
INSERT INTO orders VALUES
  ('O1', 'shop', 'U1', 'alice@example.com', '2024-01-05T10:00:00Z', 'paid', 'USD', '100.10', NULL),
  ('O2', 'shop', 'U1', 'alice@example.com', '2024-02-10T09:30:00Z', 'paid', 'USD', '200.20', NULL),
  ('O3', 'shop', 'U2', NULL, '2024-02-15T23:59:59Z', 'paid', 'USD', '0.10', NULL),
  ('O4', 'shop', 'U2', NULL, '2024-03-01T08:00:00Z', 'cancelled', 'USD', '999.99', NULL),
  ('O5', 'shop', 'U3', NULL, '2024-03-20T12:00:00Z', 'shipped', 'USD', '50.00', NULL),
  ('O6', 'shop', 'U4', NULL, '2024-06-30T18:00:00Z', 'paid', 'USD', '19.99', NULL),
  ('O7', 'shop', NULL, 'eve@example.com', '2024-04-01T07:00:00Z', 'paid', 'USD', '0.20', NULL),
  ('O8', 'shop', 'U1', NULL, '2024-06-01T10:00:00Z', 'refunded', 'USD', '10.00', NULL),
  ('O9', 'shop', 'U3', NULL, '2024-05-15T10:00:00Z', 'paid', 'USD', NULL, NULL);

CREATE TABLE order_lines (order_id TEXT, line_no INTEGER, sku TEXT, qty TEXT, unit_price TEXT, discount TEXT,
                          cost TEXT, margin TEXT, PRIMARY KEY (order_id, line_no));
INSERT INTO order_lines VALUES
  ('O1', 1, 'A', '2', '50.05', '0', '30.00', NULL),
  ('O2', 1, 'B', '1', '200.20', NULL, NULL, NULL),
  ('O3', 1, 'C', '1', '0.10', NULL, '0.05', NULL),
  ('O4', 1, 'D', '1', '999.99', NULL, '1.00', NULL),
  ('O5', 1, 'E', '5', '10', '0', NULL, '12.50'),
  ('O6', 1, 'F', '1', '19.99', NULL, '20.00', NULL),
  ('O9', 1, 'G', '3', '3.33', '0.99', '1', NULL);

CREATE TABLE deals (deal_id TEXT PRIMARY KEY, source TEXT, customer_id TEXT, company_id TEXT, company TEXT,
                    owner TEXT, stage TEXT, status TEXT, amount TEXT, currency TEXT,
                    created_at TEXT, engaged_at TEXT, closed_at TEXT);
INSERT INTO deals VALUES
  ('D1', 'crm', NULL, 'C1', 'Acme', 'ann', 'Won', 'won', '1000.00', 'USD', '2024-01-01', NULL, '2024-01-31'),
  ('D2', 'crm', NULL, NULL, 'globex', 'ann', 'Won', 'won', '500.50', 'USD', NULL, '2024-02-01', '2024-02-11'),
  ('D3', 'crm', NULL, 'C2', 'Globex', 'bob', 'Lost', 'lost', '300', 'USD', '2024-01-10', NULL, '2024-03-10'),
  ('D4', 'crm', NULL, 'C3', 'Initech', 'bob', 'Won', 'won', '0.25', 'USD', '2024-03-01T12:00:00Z', '2024-03-05',
   '2024-03-03T12:00:00Z'),
  ('D5', 'crm', NULL, 'C1', 'Acme', 'ann', 'Negotiation', 'open', '700', 'USD', '2024-04-01', '2024-04-02', NULL),
  ('D6', 'crm', NULL, 'C2', 'Globex', NULL, 'Won', 'won', NULL, 'USD', '2024-05-01', NULL, '2024-05-20'),
  ('D7', 'crm', NULL, NULL, NULL, 'cid', 'Lost', 'lost', '100', 'USD', '2024-06-01', NULL, '2024-06-05'),
  ('D8', 'crm', NULL, NULL, NULL, 'bob', 'Prospecting', 'open', NULL, 'USD', '2024-06-10', NULL, NULL);

CREATE TABLE leads (lead_id TEXT PRIMARY KEY, source TEXT, customer_id TEXT, company_id TEXT, owner TEXT,
                    status TEXT, created_at TEXT, converted_at TEXT, deal_id TEXT);
INSERT INTO leads VALUES
  ('L1', 'crm', NULL, NULL, 'ann', 'converted', '2024-01-02', '2024-01-05', 'D1'),
  ('L2', 'crm', NULL, NULL, 'ann', 'new', '2024-02-01', NULL, NULL),
  ('L3', 'crm', NULL, NULL, 'bob', 'working', '2024-03-01', NULL, 'D4'),
  ('L4', 'crm', NULL, NULL, 'bob', 'converted', '2024-05-01', NULL, NULL),
  ('L5', 'crm', NULL, NULL, 'cid', 'lost', '2024-06-01', NULL, NULL);
