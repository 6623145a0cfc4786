// The support service: tickets with SLAs, the back office, and live chat. Composition only; the parts are in SupportComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddSupport();                      // store (supportdb), chat fan-out (LISTEN/NOTIFY), SLA watch, token validation
builder.AddOutboxRelay("messaging");       // notification.requested and support.sla_breached → RabbitMQ

var app = builder.Build();
await app.MigrateSupportDatabaseAsync();   // Migrations/*.sql and the outbox tables, once
app.MapGrpcService<Mesh.Support.SupportApi>();
app.MapDefaultEndpoints();
app.Run();
