"""CRM intake: HubSpot, Pipedrive and Salesforce webhooks, queued durably and read back from each CRM's API.

Each CRM has a webhook module (`hubspot`, `pipedrive`, `salesforce`: authentication, parsing into
queued `Delivery`s) and, where the webhook carries ids only, an API module (`hubspot_api`,
`pipedrive_api`: read-back into a neutral `DealSnapshot`). `routes` holds the three endpoints,
`inbox` commits deliveries to the `crm` queue, `processing` and `worker` turn them into deals,
`intake` wires it together for the app, and `check` is `onescore crm check`.
"""
