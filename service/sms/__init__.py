"""SMS: the gateways (Twilio, console), the webhooks, the API and the pages."""
