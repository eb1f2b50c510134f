"""CRM intake: HubSpot, Pipedrive and Salesforce webhooks, queued durably and read back from each CRM's API.

Each CRM has a webhook module (authentication, parsing into queued `Delivery`s) and, where the
webhook carries ids only, an API module (read-back into a neutral `DealSnapshot`). `routes` holds
the three endpoints, `processing` the queue's handlers, `intake` the queue and its worker.
"""
