"""E-mail to people about their invoices: suppliers (received, rejected, paid) and approvers (a new
step). The notifier process (`python -m services.portal notifier`) records what happened from
Kafka and mails it afterwards (`mailing.NoticeMailer`), each notice once."""
