// The payment service: payment methods, payments, refunds, ledger. Composition only; the parts are in PaymentComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddPayment();               // store (paymentdb), simulated provider, idempotency, token validation, workers
builder.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Payment.Subscriptions.RecurringChargeRequested.Queues); // payment events and its own recurring-charge tasks → RabbitMQ

var app = builder.Build();
await app.MigratePaymentDatabaseAsync();   // Migrations/*.sql and the outbox tables, once
app.MapGrpcService<Mesh.Payment.PaymentsApi>();
app.MapDefaultEndpoints();
app.Run();
