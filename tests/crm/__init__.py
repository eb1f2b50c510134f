"""CRM intake over HTTP: the three webhooks, the queue, the read-back and `onescore crm check`."""
