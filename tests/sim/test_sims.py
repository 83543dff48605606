#!/usr/bin/env python3
"""Self-tests of the API simulators: pagination end markers, auth failures,
204, Link headers, rate-limit answers, faults, OAuth rotation, TLS.

    python3 tests/sim/test_sims.py [-v] [TestClass[.test_name]]

Registered with ctest as sim.selftest (tests/sim/sim.cmake).
"""

import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simclient import SimProcess  # noqa: E402

HS = {"Authorization": "Bearer secret"}
SH = {"X-Shopify-Access-Token": "secret"}
WOO = {"Authorization": "Basic " + base64.b64encode(b"ck_secret:cs_secret").decode()}


class SimCase(unittest.TestCase):
    API = None
    ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.sim = SimProcess(cls.API, *cls.ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.sim.close()

    def setUp(self):
        self.sim.control("POST", "/__sim/reset", {"data": True, "oauth": True})

    def records(self, obj):
        return self.sim.control("GET", "/__sim/records/" + obj)


# --------------------------------------------------------------------------------------------------

class TestCommon(SimCase):
    """Server plumbing, control endpoints and faults (on the generic API)."""
    API = "oauth"
    ARGS = ("--records", "40", "--auth", "bearer")

    def test_health_and_url(self):
        self.assertTrue(self.sim.url.startswith("http://127.0.0.1:"))
        h = self.sim.control("GET", "/__sim/health")
        self.assertEqual(h["api"], "oauth")
        self.assertEqual(h["base_url"], self.sim.url)

    def test_url_file(self):
        d = tempfile.mkdtemp()
        try:
            f = os.path.join(d, "url")
            with SimProcess("oauth", "--records", "1", "--url-file", f) as s:
                for _ in range(50):
                    if os.path.exists(f):
                        break
                    time.sleep(0.02)
                with open(f) as fh:
                    self.assertEqual(fh.read().strip(), s.url)
        finally:
            shutil.rmtree(d)

    def test_request_log_masks_secrets(self):
        self.sim.get("/api/items?limit=5&api_key=xyz", headers=HS)
        log = self.sim.control("GET", "/__sim/requests")
        self.assertEqual(len(log), 1)
        e = log[0]
        self.assertEqual(e["method"], "GET")
        self.assertEqual(e["path"], "/api/items")
        self.assertEqual(e["args"]["limit"], "5")
        self.assertEqual(e["args"]["api_key"], "***")
        self.assertEqual(e["headers"]["Authorization"], "Bearer ***")
        self.assertEqual(e["status"], 200)
        self.assertGreater(e["t"], 0)
        self.assertNotIn("secret", json.dumps(log))

    def test_injected_statuses(self):
        for code in (500, 502, 503):
            r = self.sim.get("/api/items", headers=dict(HS, **{"X-Sim-Fault": str(code)}))
            self.assertEqual(r.status, code)
        st = self.sim.control("GET", "/__sim/stats")
        self.assertEqual(st["faults"]["status"], 3)

    def test_429_with_retry_after_and_date(self):
        r = self.sim.get("/api/items", headers=dict(HS, **{"X-Sim-Fault": "429:2.5"}))
        self.assertEqual(r.status, 429)
        self.assertEqual(r.header("Retry-After"), "2.5")
        self.sim.control("POST", "/__sim/faults", {"storm": {"count": 1, "retry_after": 3, "date": True}})
        r = self.sim.get("/api/items", headers=HS)
        self.assertEqual(r.status, 429)
        self.assertTrue(r.header("Retry-After").endswith("GMT"))

    def test_drop_closes_without_answer(self):
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.sim.get("/api/items", headers=dict(HS, **{"X-Sim-Fault": "drop"}))
        self.assertEqual(self.sim.control("GET", "/__sim/requests")[0]["status"], 0)

    def test_partial_body(self):
        with self.assertRaises(http.client.IncompleteRead):
            self.sim.get("/api/items?limit=20", headers=dict(HS, **{"X-Sim-Fault": "partial"}))

    def test_malformed_json(self):
        r = self.sim.get("/api/items?limit=5", headers=dict(HS, **{"X-Sim-Fault": "malformed"}))
        self.assertEqual(r.status, 200)
        with self.assertRaises(ValueError):
            r.json()

    def test_slow(self):
        r = self.sim.get("/api/items?limit=1", headers=dict(HS, **{"X-Sim-Fault": "slow:0.4"}))
        self.assertEqual(r.status, 200)
        self.assertGreaterEqual(r.elapsed, 0.4)

    def test_storm_then_recovery(self):
        self.sim.control("POST", "/__sim/faults", {"storm": {"count": 3, "retry_after": 1}})
        got = [self.sim.get("/api/items?limit=1", headers=HS).status for _ in range(5)]
        self.assertEqual(got, [429, 429, 429, 200, 200])
        self.assertEqual(self.sim.control("GET", "/__sim/stats")["status_429"], 3)

    def test_fault_queue_in_order(self):
        self.sim.control("POST", "/__sim/faults", {"next": ["none", "503", {"fault": "500", "path": "/api/items/"}]})
        a = self.sim.get("/api/items?limit=1", headers=HS).status
        b = self.sim.get("/api/items?limit=1", headers=HS).status
        c = self.sim.get("/api/items?limit=1", headers=HS).status
        d = self.sim.get("/api/items/1", headers=HS).status
        self.assertEqual((a, b, c, d), (200, 503, 200, 500))

    def test_random_errors_are_seeded(self):
        self.sim.control("POST", "/__sim/faults", {"error_rate": 0.5})
        got = [self.sim.get("/api/items?limit=1", headers=HS).status for _ in range(30)]
        self.assertTrue(any(s >= 500 for s in got) and 200 in got, got)
        self.sim.control("DELETE", "/__sim/faults")
        self.assertEqual(self.sim.get("/api/items?limit=1", headers=HS).status, 200)

    def test_gzip(self):
        r = self.sim.get("/api/items?limit=20", headers=dict(HS, **{"Accept-Encoding": "gzip"}))
        self.assertEqual(r.header("Content-Encoding"), "gzip")
        self.assertEqual(len(r.json()["data"]), 20)

    def test_latency_config(self):
        self.sim.control("POST", "/__sim/config", {"latency_ms": 300})
        try:
            r = self.sim.get("/api/items?limit=1", headers=HS)
            self.assertGreaterEqual(r.elapsed, 0.3)
        finally:
            self.sim.control("POST", "/__sim/config", {"latency_ms": 0})

    def test_unknown_config_key(self):
        r = self.sim.post("/__sim/config", {"no_such_key": 1})
        self.assertEqual(r.status, 400)

    def test_touch_create_delete(self):
        recs = self.records("items")
        self.assertEqual(len(recs), 40)
        mx = max(r["updated_ms"] for r in recs)
        t = self.sim.control("POST", "/__sim/touch", {"object": "items", "ids": [recs[0]["id"], recs[5]["id"]]})
        self.assertGreater(t["updated_ms"], mx)
        since = urllib.parse.quote(t["updated"])
        got = self.sim.get("/api/items?updated_since=%s" % since, headers=HS).json()["data"]
        self.assertEqual(sorted(x["id"] for x in got), sorted([recs[0]["id"], recs[5]["id"]]))
        c = self.sim.control("POST", "/__sim/create", {"object": "items", "count": 2})
        self.assertEqual(len(c["ids"]), 2)
        self.sim.control("POST", "/__sim/delete", {"object": "items", "ids": [recs[1]["id"]]})
        objs = self.sim.control("GET", "/__sim/objects")["items"]
        self.assertEqual((objs["count"], objs["deleted"]), (41, 1))

    def test_ties_exist(self):
        with SimProcess("oauth", "--records", "200", "--seed", "5") as s:
            recs = s.control("GET", "/__sim/records/items")
            ups = [r["updated_ms"] for r in recs]
            self.assertLess(len(set(ups)), len(ups))           # ties
            self.assertGreaterEqual(max(ups.count(u) for u in ups), 20)   # the burst
            again = SimProcess("oauth", "--records", "200", "--seed", "5")
            try:
                self.assertEqual(again.control("GET", "/__sim/records/items"), recs)   # deterministic
                self.assertEqual(again.get("/api/items?limit=3", headers=HS).json()["data"],
                                 s.get("/api/items?limit=3", headers=HS).json()["data"])
            finally:
                again.close()


class TestOAuth(SimCase):
    API = "oauth"
    ARGS = ("--records", "30", "--access-ttl-requests", "2", "--refresh-token", "r0")

    def token(self, form, basic=None):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        if basic:
            h["Authorization"] = "Basic " + base64.b64encode(basic.encode()).decode()
        return self.sim.post("/oauth/token", urllib.parse.urlencode(form), h)

    def test_client_credentials_and_expiry_by_requests(self):
        r = self.token({"grant_type": "client_credentials"}, "sim-client:sim-secret")
        self.assertEqual(r.status, 200)
        tok = r.json()["access_token"]
        self.assertNotIn("refresh_token", r.json())
        auth = {"Authorization": "Bearer " + tok}
        self.assertEqual(self.sim.get("/api/items", headers=auth).status, 200)
        self.assertEqual(self.sim.get("/api/items", headers=auth).status, 200)
        r = self.sim.get("/api/items", headers=auth)
        self.assertEqual(r.status, 401)
        self.assertIn("invalid_token", r.header("WWW-Authenticate"))

    def test_bad_client(self):
        r = self.token({"grant_type": "client_credentials", "client_id": "sim-client", "client_secret": "no"})
        self.assertEqual((r.status, r.json()["error"]), (401, "invalid_client"))

    def test_refresh_rotates(self):
        creds = {"client_id": "sim-client", "client_secret": "sim-secret", "grant_type": "refresh_token"}
        r1 = self.token(dict(creds, refresh_token="r0"))
        self.assertEqual(r1.status, 200)
        new = r1.json()["refresh_token"]
        self.assertNotEqual(new, "r0")
        again = self.token(dict(creds, refresh_token="r0"))
        self.assertEqual((again.status, again.json()["error"]), (400, "invalid_grant"))
        r2 = self.token(dict(creds, refresh_token=new))
        self.assertEqual(r2.status, 200)
        st = self.sim.control("GET", "/__sim/stats")
        self.assertEqual((st["refreshes"], st["refresh_failures"]), (2, 1))
        self.assertNotIn("r0", json.dumps(self.sim.control("GET", "/__sim/requests")))

    def test_expiry_by_time_and_json_body(self):
        self.sim.control("POST", "/__sim/config", {"access_ttl": 1.0})
        try:
            r = self.sim.post("/oauth/token", {"grant_type": "client_credentials", "client_id": "sim-client",
                                               "client_secret": "sim-secret"})
            self.assertEqual(r.json()["expires_in"], 1)
            auth = {"Authorization": "Bearer " + r.json()["access_token"]}
            self.assertEqual(self.sim.get("/api/items", headers=auth).status, 200)
            time.sleep(1.05)
            self.assertEqual(self.sim.get("/api/items", headers=auth).status, 401)
        finally:
            self.sim.control("POST", "/__sim/config", {"access_ttl": 1800.0})

    def test_expire_all_control(self):
        r = self.token({"grant_type": "client_credentials"}, "sim-client:sim-secret")
        auth = {"Authorization": "Bearer " + r.json()["access_token"]}
        self.sim.control("POST", "/__sim/oauth", {"expire_access": True})
        self.assertEqual(self.sim.get("/api/items", headers=auth).status, 401)

    def test_cursor_pagination(self):
        seen, url, pages = [], "/api/items?limit=7", 0
        while url:
            body = self.sim.get(url, headers=HS).json()
            seen += [x["id"] for x in body["data"]]
            url = body["next"]
            pages += 1
        self.assertEqual(len(seen), 30)
        self.assertEqual(len(set(seen)), 30)
        self.assertEqual(pages, 5)
        r = self.sim.get("/api/items?page=5&per_page=7", headers=HS)
        self.assertNotIn("next", r.links())
        self.assertIn("prev", r.links())
        self.assertEqual(r.header("X-Total-Count"), "30")


class TestTLS(unittest.TestCase):
    def test_https(self):
        if not shutil.which("openssl"):
            self.skipTest("openssl not installed")
        d = tempfile.mkdtemp()
        try:
            cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                           check=True, capture_output=True)
            with SimProcess("shopify", "--records", "3", "--tls", cert, key, cafile=cert) as s:
                self.assertTrue(s.url.startswith("https://127.0.0.1:"))
                r = s.get("/admin/api/2024-01/orders.json?status=any", headers=SH)
                self.assertEqual(r.status, 200)
                self.assertEqual(len(r.json()["orders"]), 3)
                self.assertTrue(s.control("GET", "/__sim/requests")[-1]["tls"])
        finally:
            shutil.rmtree(d)


# --------------------------------------------------------------------------------------------------

class TestHubSpot(SimCase):
    API = "hubspot"
    ARGS = ("--records", "250,deals=30", "--seed", "2", "--hubspot-search-rate", "1000")

    def test_auth(self):
        r = self.sim.get("/crm/v3/objects/contacts")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["category"], "INVALID_AUTHENTICATION")
        r = self.sim.get("/crm/v3/objects/contacts", headers={"Authorization": "Bearer nope"})
        self.assertEqual(r.status, 401)
        self.assertEqual(self.sim.control("GET", "/__sim/stats")["auth_failures"], 2)

    def test_list_pages_and_end(self):
        url, ids, pages = "/crm/v3/objects/contacts?limit=100&properties=email,firstname", [], 0
        while url:
            r = self.sim.get(url, headers=HS)
            self.assertEqual(r.status, 200)
            body = r.json()
            ids += [x["id"] for x in body["results"]]
            pages += 1
            if "paging" in body:
                self.assertEqual(body["paging"]["next"]["after"], urllib.parse.parse_qs(
                    urllib.parse.urlsplit(body["paging"]["next"]["link"]).query)["after"][0])
                url = body["paging"]["next"]["link"]
            else:
                url = None
        self.assertEqual((len(ids), len(set(ids)), pages), (250, 250, 3))
        self.assertIn("email", body["results"][0]["properties"])
        self.assertIn("lastmodifieddate", body["results"][0]["properties"])
        log = self.sim.control("GET", "/__sim/requests?path=/crm/")
        self.assertEqual([e["args"].get("after") for e in log][0], None)

    def test_limits_validated(self):
        self.assertEqual(self.sim.get("/crm/v3/objects/contacts?limit=101", headers=HS).status, 400)
        r = self.sim.post("/crm/v3/objects/contacts/search", {"limit": 201}, HS)
        self.assertEqual(r.status, 400)
        r = self.sim.get("/crm/v3/objects/butterflies", headers=HS)
        self.assertEqual(r.json()["message"], "Unable to infer object type from: butterflies")

    def search_all(self, body):
        out, after, pages = [], None, []
        while True:
            b = dict(body)
            if after is not None:
                b["after"] = after
            r = self.sim.post("/crm/v3/objects/contacts/search", b, HS)
            self.assertEqual(r.status, 200, r.body)
            j = r.json()
            pages.append(j)
            out += j["results"]
            if "paging" not in j:
                return out, pages
            self.assertNotIn("link", j["paging"]["next"])
            after = j["paging"]["next"]["after"]

    def test_search_incremental_with_ties(self):
        recs = self.records("contacts")
        ups = sorted(r["updated_ms"] for r in recs)
        wm = ups[len(ups) // 2]
        q = {"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(wm)}]}],
             "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
             "properties": ["email"], "limit": 40}
        got, pages = self.search_all(q)
        self.assertEqual(len(got), sum(1 for u in ups if u >= wm))
        self.assertEqual(pages[0]["total"], len(got))
        stamps = [x["properties"]["lastmodifieddate"] for x in got]
        self.assertEqual(stamps, sorted(stamps))
        self.assertTrue(all(x["url"].startswith("https://app.hubspot.com/") for x in got))
        q["filterGroups"][0]["filters"][0]["operator"] = "GT"
        gt, _ = self.search_all(q)
        self.assertEqual(len(gt), sum(1 for u in ups if u > wm))

    def test_touch_then_incremental(self):
        mx = self.sim.control("GET", "/__sim/objects")["contacts"]["max_updated_ms"]
        ids = [r["id"] for r in self.records("contacts")[:3]]
        self.sim.control("POST", "/__sim/touch", {"object": "contacts", "ids": ids})
        q = {"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GT", "value": str(mx)}]}],
             "limit": 100}
        got, _ = self.search_all(q)
        self.assertEqual(sorted(int(x["id"]) for x in got), sorted(ids))

    def test_search_cap(self):
        self.sim.control("POST", "/__sim/config", {"hubspot_search_cap": 50})
        try:
            r = self.sim.post("/crm/v3/objects/contacts/search", {"limit": 30, "after": "30"}, HS).json()
            self.assertEqual(r["paging"]["next"]["after"], "50")
            self.assertEqual(len(r["results"]), 20)
            r = self.sim.post("/crm/v3/objects/contacts/search", {"limit": 30, "after": "50"}, HS)
            self.assertEqual(r.status, 400)
            self.assertEqual(r.json()["category"], "VALIDATION_ERROR")
        finally:
            self.sim.control("POST", "/__sim/config", {"hubspot_search_cap": 10000})

    def test_rate_limit(self):
        self.sim.control("POST", "/__sim/config", {"hubspot_limit": 3, "hubspot_window_s": 10.0})
        try:
            rs = [self.sim.get("/crm/v3/objects/deals?limit=1", headers=HS) for _ in range(4)]
            self.assertEqual([r.status for r in rs], [200, 200, 200, 429])
            self.assertEqual(rs[0].header("X-HubSpot-RateLimit-Max"), "3")
            self.assertEqual(rs[2].header("X-HubSpot-RateLimit-Remaining"), "0")
            self.assertEqual(rs[0].header("X-HubSpot-RateLimit-Interval-Milliseconds"), "10000")
            body = rs[3].json()
            self.assertEqual((body["errorType"], body["policyName"]), ("RATE_LIMIT", "TEN_SECONDLY_ROLLING"))
            # search has its own limit and no rate-limit headers
            self.sim.control("POST", "/__sim/config", {"hubspot_search_rate": 1.0})
            s = [self.sim.post("/crm/v3/objects/deals/search", {"limit": 1}, HS) for _ in range(2)]
            self.assertEqual([x.status for x in s], [200, 429])
            self.assertIsNone(s[0].header("X-HubSpot-RateLimit-Remaining"))
            self.assertEqual(s[1].json()["policyName"], "SECONDLY")
        finally:
            self.sim.control("POST", "/__sim/config", {"hubspot_limit": 100, "hubspot_search_rate": 1000.0})

    def test_associations_and_batch(self):
        d = self.sim.get("/crm/v3/objects/deals?limit=5&associations=companies,line_items", headers=HS).json()
        with_co = [x for x in d["results"] if "associations" in x]
        self.assertTrue(with_co)
        co = with_co[0]["associations"]["companies"]["results"][0]
        self.assertEqual(co["type"], "deal_to_company")
        did = d["results"][0]["id"]
        v4 = self.sim.get("/crm/v4/objects/deals/%s/associations/companies" % did, headers=HS).json()
        self.assertEqual(v4["results"][0]["associationTypes"][0]["typeId"], 5)
        r = self.sim.post("/crm/v3/objects/deals/batch/read", {"inputs": [{"id": did}, {"id": "1"}]}, HS)
        self.assertEqual(r.status, 207)
        self.assertEqual(r.json()["numErrors"], 1)

    def test_oauth_refresh_path(self):
        r = self.sim.post("/oauth/v1/token", "grant_type=refresh_token&client_id=sim-client&client_secret=sim-secret"
                                             "&refresh_token=sim-refresh-0",
                          {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 200)
        tok = r.json()["access_token"]
        self.assertEqual(self.sim.get("/crm/v3/objects/contacts", headers={"Authorization": "Bearer " + tok}).status, 200)
        self.sim.control("POST", "/__sim/oauth", {"expire_access": True})
        r = self.sim.get("/crm/v3/objects/contacts", headers={"Authorization": "Bearer " + tok})
        self.assertEqual(r.json()["category"], "EXPIRED_AUTHENTICATION")


class TestAmoCRM(SimCase):
    API = "amocrm"
    ARGS = ("--records", "120,leads=100")

    def test_auth(self):
        r = self.sim.get("/api/v4/leads")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json(), {"title": "Unauthorized", "type": "https://httpstatus.es/401", "status": 401,
                                    "detail": "Unauthorized"})
        self.assertEqual(r.header("Content-Type"), "application/problem+json")

    def test_pages_then_204(self):
        p1 = self.sim.get("/api/v4/contacts?limit=50", headers=HS).json()
        self.assertEqual(p1["_page"], 1)
        self.assertIn("next", p1["_links"])
        p3 = self.sim.get(p1["_links"]["next"]["href"].replace("page=2", "page=3"), headers=HS).json()
        self.assertEqual(len(p3["_embedded"]["contacts"]), 20)
        self.assertNotIn("next", p3["_links"])
        r = self.sim.get("/api/v4/contacts?limit=50&page=4", headers=HS)
        self.assertEqual((r.status, r.body), (204, b""))
        # 100 leads, 50 a page: the full last page still links next, which answers 204
        p2 = self.sim.get("/api/v4/leads?limit=50&page=2", headers=HS).json()
        r = self.sim.get(p2["_links"]["next"]["href"], headers=HS)
        self.assertEqual(r.status, 204)

    def test_filters_encoded_or_not(self):
        recs = self.records("leads")
        mid = sorted(r["updated"] for r in recs)[50]
        a = self.sim.get("/api/v4/leads?limit=250&filter[updated_at][from]=%d&order[updated_at]=asc" % mid, headers=HS)
        b = self.sim.get("/api/v4/leads?limit=250&filter%%5Bupdated_at%%5D%%5Bfrom%%5D=%d&order%%5Bupdated_at%%5D=asc"
                         % mid, headers=HS)
        self.assertEqual(a.body, b.body)
        got = a.json()["_embedded"]["leads"]
        self.assertEqual(len(got), sum(1 for r in recs if r["updated"] >= mid))
        self.assertEqual([x["updated_at"] for x in got], sorted(x["updated_at"] for x in got))
        none = self.sim.get("/api/v4/leads?filter[updated_at][from]=2000000000", headers=HS)
        self.assertEqual(none.status, 204)

    def test_with_contacts_and_cyrillic_escapes(self):
        r = self.sim.get("/api/v4/leads?limit=20&with=contacts", headers=HS)
        self.assertIn(b"\\u04", r.body)
        leads = r.json()["_embedded"]["leads"]
        self.assertTrue(any(x["_embedded"].get("contacts") for x in leads))
        self.assertTrue(all("contacts" in x["_embedded"] for x in leads))
        plain = self.sim.get("/api/v4/leads?limit=20", headers=HS).json()["_embedded"]["leads"]
        self.assertTrue(all("contacts" not in x["_embedded"] for x in plain))

    def test_limit_validated(self):
        self.assertEqual(self.sim.get("/api/v4/leads?limit=251", headers=HS).status, 400)

    def test_rate_limit(self):
        self.sim.control("POST", "/__sim/config", {"amo_rate": 1.0})
        try:
            got = [self.sim.get("/api/v4/account", headers=HS) for _ in range(2)]
            self.assertEqual([r.status for r in got], [200, 429])
            self.assertIsNone(got[1].header("Retry-After"))
        finally:
            self.sim.control("POST", "/__sim/config", {"amo_rate": 7.0})

    def test_deleted_events(self):
        lid = self.records("leads")[0]["id"]
        self.sim.control("POST", "/__sim/delete", {"object": "leads", "ids": [lid]})
        ev = self.sim.get("/api/v4/events?filter[type]=lead_deleted", headers=HS).json()["_embedded"]["events"]
        self.assertEqual([e["entity_id"] for e in ev], [lid])
        self.assertEqual(self.sim.get("/api/v4/leads/%d" % lid, headers=HS).status, 204)


class TestBitrix24(SimCase):
    API = "bitrix24"
    ARGS = ("--records", "120")
    HOOK = "/rest/1/secret/"

    def test_auth(self):
        r = self.sim.get("/rest/1/wrong/crm.deal.list.json")
        self.assertEqual((r.status, r.json()["error"]), (401, "INVALID_CREDENTIALS"))
        r = self.sim.get("/rest/crm.deal.list.json")
        self.assertEqual((r.status, r.json()["error"]), (401, "NO_AUTH_FOUND"))
        tok = self.sim.get("/oauth/token/?grant_type=refresh_token&client_id=sim-client&client_secret=sim-secret"
                           "&refresh_token=sim-refresh-0").json()["access_token"]
        self.assertEqual(self.sim.get("/rest/crm.deal.list.json?auth=" + tok).status, 200)
        self.assertEqual(self.sim.post("/rest/crm.deal.list.json", "auth=" + tok,
                                       {"Content-Type": "application/x-www-form-urlencoded"}).status, 200)
        r = self.sim.get("/rest/crm.deal.list.json?auth=nope")
        self.assertEqual(r.json()["error"], "invalid_token")

    def test_pages(self):
        starts, ids, body = [0], [], None
        while True:
            body = self.sim.get(self.HOOK + "crm.deal.list.json?start=%d" % starts[-1]).json()
            ids += [x["ID"] for x in body["result"]]
            self.assertEqual(body["total"], 120)
            self.assertIn("time", body)
            if "next" not in body:
                break
            starts.append(body["next"])
        self.assertEqual(starts, [0, 50, 100])
        self.assertEqual(len(set(ids)), 120)
        self.assertTrue(all(isinstance(x, str) for x in ids))
        fast = self.sim.get(self.HOOK + "crm.deal.list.json?start=-1").json()
        self.assertNotIn("total", fast)
        self.assertNotIn("next", fast)

    def test_filter_order_select(self):
        recs = self.records("contacts")
        mid = sorted(r["updated"] for r in recs)[60]
        q = urllib.parse.urlencode([("filter[>=DATE_MODIFY]", mid), ("order[DATE_MODIFY]", "ASC"),
                                    ("select[]", "ID"), ("select[]", "DATE_MODIFY"), ("select[]", "EMAIL")])
        got = []
        start = 0
        while start is not None:
            body = self.sim.get(self.HOOK + "crm.contact.list?" + q + "&start=%d" % start).json()
            got += body["result"]
            start = body.get("next")
        self.assertEqual(len(got), sum(1 for r in recs if r["updated"] >= mid))
        self.assertEqual(set(got[0]), {"ID", "DATE_MODIFY", "EMAIL"})
        self.assertEqual(got[0]["EMAIL"][0]["TYPE_ID"], "EMAIL")
        default = self.sim.get(self.HOOK + "crm.contact.list.json").json()["result"][0]
        self.assertNotIn("PHONE", default)

    def test_filter_must_be_array(self):
        r = self.sim.get(self.HOOK + "crm.deal.list.json?filter=abc")
        self.assertEqual((r.status, r.json()), (400, {"error": "", "error_description": "Parameter 'filter' must be array."}))

    def test_batch(self):
        r = self.sim.post(self.HOOK + "batch.json", {"halt": 0, "cmd": {
            "p0": "crm.deal.list?start=0&order[ID]=ASC&select[]=ID",
            "p1": "crm.deal.get?id=$result[p0][0][ID]",
            "p2": "no.such.method"}}).json()["result"]
        self.assertEqual(r["result"]["p1"]["ID"], r["result"]["p0"][0]["ID"])
        self.assertEqual(r["result_total"]["p0"], 120)
        self.assertEqual(r["result_next"]["p0"], 50)
        self.assertEqual(r["result_error"]["p2"]["error"], "ERROR_METHOD_NOT_FOUND")
        self.assertEqual(self.sim.control("GET", "/__sim/stats")["requests"], 1)

    def test_catalog(self):
        body = self.sim.get(self.HOOK + "catalog.product.list.json?select[]=id&select[]=name&filter[iblockId]=23").json()
        self.assertEqual(set(body["result"]["products"][0]), {"id", "name"})
        sp = self.sim.get(self.HOOK + "catalog.storeproduct.list.json?filter[storeId]=1").json()
        self.assertTrue(all(x["storeId"] == 1 for x in sp["result"]["storeProducts"]))

    def test_query_limit_503(self):
        self.sim.control("POST", "/__sim/config", {"b24_bucket": 3.0, "b24_leak": 0.5})
        try:
            got = [self.sim.get(self.HOOK + "profile.json") for _ in range(4)]
            self.assertEqual([r.status for r in got], [200, 200, 200, 503])
            self.assertEqual(got[3].json(), {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"})
            self.assertEqual(self.sim.control("GET", "/__sim/stats")["throttled"], 1)
        finally:
            self.sim.control("POST", "/__sim/config", {"b24_bucket": 50.0, "b24_leak": 2.0})

    def test_operation_time_limit(self):
        self.sim.control("POST", "/__sim/config", {"b24_operating_limit": 0.015})
        try:
            got = [self.sim.get(self.HOOK + "crm.lead.list.json").status for _ in range(3)]
            self.assertEqual(got, [200, 200, 429])
        finally:
            self.sim.control("POST", "/__sim/config", {"b24_operating_limit": 480.0})


class TestShopify(SimCase):
    API = "shopify"
    ARGS = ("--records", "120")
    BASE = "/admin/api/2024-01/"

    def test_auth(self):
        r = self.sim.get(self.BASE + "orders.json", headers={"X-Shopify-Access-Token": "bad"})
        self.assertEqual(r.status, 401)
        self.assertIn("Invalid API key or access token", r.json()["errors"])

    def test_link_pagination(self):
        url, ids, rels = self.BASE + "orders.json?status=any&limit=50&order=updated_at+asc", [], []
        stamps = []
        while url:
            r = self.sim.get(url, headers=SH)
            self.assertEqual(r.status, 200, r.body)
            ids += [o["id"] for o in r.json()["orders"]]
            stamps += [o["updated_at"] for o in r.json()["orders"]]
            links = r.links()
            rels.append(sorted(links))
            url = links.get("next")
        self.assertEqual(rels, [["next"], ["next", "previous"], ["previous"]])
        self.assertEqual(len(set(ids)), 120)
        back = self.sim.get(r.links()["previous"], headers=SH).json()["orders"]
        self.assertEqual([o["id"] for o in back], ids[50:100])

    def test_page_info_rejects_filters(self):
        r = self.sim.get(self.BASE + "orders.json?status=any&limit=10", headers=SH)
        nxt = r.links()["next"]
        bad = self.sim.get(nxt + "&status=any", headers=SH)
        self.assertEqual(bad.status, 400)
        self.assertIn("cannot be passed when page_info is present", bad.json()["errors"]["status"])
        self.assertEqual(self.sim.get(self.BASE + "orders.json?page_info=garbage", headers=SH).status, 400)

    def test_single_page_has_no_link(self):
        r = self.sim.get(self.BASE + "orders.json?status=any&limit=250", headers=SH)
        self.assertIsNone(r.header("Link"))
        self.assertEqual(len(r.json()["orders"]), 120)

    def test_default_status_open_and_updated_at_min(self):
        any_ = self.sim.get(self.BASE + "orders/count.json?status=any", headers=SH).json()["count"]
        open_ = self.sim.get(self.BASE + "orders/count.json", headers=SH).json()["count"]
        self.assertEqual(any_, 120)
        self.assertLess(open_, any_)
        recs = self.records("orders")
        mid = sorted(recs, key=lambda r: r["updated_ms"])[60]
        q = urllib.parse.urlencode({"status": "any", "updated_at_min": mid["updated"], "limit": 250})
        got = self.sim.get(self.BASE + "orders.json?" + q, headers=SH).json()["orders"]
        self.assertEqual(len(got), sum(1 for r in recs if r["updated_ms"] >= mid["updated_ms"]))

    def test_leaky_bucket(self):
        self.sim.control("POST", "/__sim/config", {"shopify_bucket": 3.0, "shopify_leak": 0.5})
        try:
            got = [self.sim.get(self.BASE + "shop.json", headers=SH) for _ in range(4)]
            self.assertEqual([r.status for r in got], [200, 200, 200, 429])
            self.assertEqual(got[0].header("X-Shopify-Shop-Api-Call-Limit"), "1/3")
            self.assertEqual(got[2].header("X-Shopify-Shop-Api-Call-Limit"), "3/3")
            self.assertEqual(got[3].header("Retry-After"), "2.0")
            self.assertIn("Exceeded 2 calls per second", got[3].json()["errors"])
        finally:
            self.sim.control("POST", "/__sim/config", {"shopify_bucket": 40.0, "shopify_leak": 2.0})

    def test_version_fallback_and_inventory(self):
        r = self.sim.get("/admin/api/2019-04/locations.json", headers=SH)
        self.assertEqual(r.header("X-Shopify-API-Version"), "2024-01")
        loc = r.json()["locations"][0]["id"]
        self.assertEqual(self.sim.get(self.BASE + "inventory_levels.json", headers=SH).status, 422)
        lv = self.sim.get(self.BASE + "inventory_levels.json?limit=250&location_ids=%d" % loc, headers=SH).json()
        self.assertTrue(all(x["location_id"] == loc for x in lv["inventory_levels"]))


class TestWooCommerce(SimCase):
    API = "woocommerce"
    ARGS = ("--records", "35")
    BASE = "/wp-json/wc/v3/"

    def test_auth(self):
        r = self.sim.get(self.BASE + "orders")
        self.assertEqual((r.status, r.json()["code"]), (401, "woocommerce_rest_cannot_view"))
        r = self.sim.get(self.BASE + "orders?consumer_key=ck_secret&consumer_secret=x")
        self.assertEqual(r.json()["message"], "Consumer secret is invalid.")
        r = self.sim.get(self.BASE + "orders?consumer_key=ck_x&consumer_secret=cs_secret")
        self.assertEqual(r.json()["message"], "Consumer key is invalid.")
        self.assertEqual(self.sim.get(self.BASE + "orders?consumer_key=ck_secret&consumer_secret=cs_secret").status, 200)

    def test_pages_and_headers(self):
        ids, page = [], 1
        while True:
            r = self.sim.get(self.BASE + "orders?per_page=10&page=%d&order=asc&orderby=id" % page, headers=WOO)
            self.assertEqual((r.header("X-WP-Total"), r.header("X-WP-TotalPages")), ("35", "4"))
            ids += [o["id"] for o in r.json()]
            if "next" not in r.links():
                break
            page += 1
        self.assertEqual((page, len(set(ids))), (4, 35))
        self.assertEqual(ids, sorted(ids))
        past = self.sim.get(self.BASE + "orders?per_page=10&page=5", headers=WOO)
        self.assertEqual((past.status, past.json()), (200, []))
        self.assertEqual(self.sim.get(self.BASE + "orders?per_page=101", headers=WOO).json()["code"],
                         "rest_invalid_param")

    def test_default_order_desc_by_date(self):
        got = self.sim.get(self.BASE + "orders?per_page=100", headers=WOO).json()
        dates = [o["date_created_gmt"] for o in got]
        self.assertEqual(dates, sorted(dates, reverse=True))

    def test_modified_after_exclusive(self):
        recs = self.records("orders")
        mid = sorted(recs, key=lambda r: r["updated_ms"])[17]
        q = urllib.parse.urlencode({"modified_after": mid["updated"], "dates_are_gmt": "true", "per_page": 100})
        got = self.sim.get(self.BASE + "orders?" + q, headers=WOO).json()
        self.assertEqual(len(got), sum(1 for r in recs if r["updated_ms"] > mid["updated_ms"]))
        self.assertNotIn(mid["id"], [o["id"] for o in got])

    def test_customers_ignore_modified_after(self):
        a = self.sim.get(self.BASE + "customers?per_page=100&role=all", headers=WOO)
        b = self.sim.get(self.BASE + "customers?per_page=100&role=all&modified_after=2030-01-01T00:00:00", headers=WOO)
        self.assertEqual(a.header("X-WP-Total"), b.header("X-WP-Total"))
        self.assertEqual(a.header("X-WP-Total"), "35")
        c = self.sim.get(self.BASE + "customers?per_page=100", headers=WOO)
        self.assertLessEqual(int(c.header("X-WP-Total")), 35)

    def test_plain_permalinks(self):
        r = self.sim.get("/?rest_route=/wc/v3/products&per_page=5", headers=WOO)
        self.assertEqual(r.status, 200)
        self.assertEqual(len(r.json()), 5)


if __name__ == "__main__":
    unittest.main(verbosity=2 if "-v" in sys.argv else 1)
