/* objects.c - the HubSpot object types the source pulls, with the
 * property each one's modification time lives in and a default selection
 * of properties (without `properties` HubSpot returns only a few). */
#include <string.h>

#include "hubspot.h"

static const char *const contact_props[] = {
    "email", "firstname", "lastname", "phone", "company", "lifecyclestage", "hubspot_owner_id",
    "createdate", "lastmodifieddate", "hs_object_id", NULL};
static const char *const company_props[] = {
    "name", "domain", "industry", "city", "country", "annualrevenue", "hubspot_owner_id",
    "createdate", "hs_lastmodifieddate", "hs_object_id", NULL};
static const char *const deal_props[] = {
    "dealname", "amount", "dealstage", "pipeline", "closedate", "hubspot_owner_id", "deal_currency_code",
    "createdate", "hs_lastmodifieddate", "hs_object_id", NULL};
static const char *const product_props[] = {
    "name", "price", "hs_sku", "description", "createdate", "hs_lastmodifieddate", "hs_object_id", NULL};
static const char *const line_item_props[] = {
    "name", "quantity", "price", "amount", "hs_product_id", "hs_sku", "createdate", "hs_lastmodifieddate",
    "hs_object_id", NULL};

static const hs_object objects[] = {
    {"contacts", "lastmodifieddate", contact_props},
    {"companies", "hs_lastmodifieddate", company_props},
    {"deals", "hs_lastmodifieddate", deal_props},
    {"products", "hs_lastmodifieddate", product_props},
    {"line_items", "hs_lastmodifieddate", line_item_props},
};

const char *const hs_object_names[] = {"contacts", "companies", "deals", "products", "line_items", NULL};

const hs_object *hs_object_find(const char *name)
{
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++)
        if (strcmp(objects[i].name, name) == 0)
            return &objects[i];
    return NULL;
}
