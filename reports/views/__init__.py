"""The pages of reports: results, documents and plans, batch jobs, the public monthly notice."""
