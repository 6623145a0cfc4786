// The notification service: every event a user should hear about, into their inbox (live over Stream), and by email
// and SMS as their preferences say — once per user, event and channel; "new show in your city" broadcasts on a work
// queue of their own. Composition only; the parts are in NotificationComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNotification();          // notificationdb, event and broadcast consumers, delivery rounds, sandbox provider, live fan-out, token validation
builder.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Notification.Broadcasts.BroadcastBatch.Queues); // broadcast batches → their work queue

var app = builder.Build();
await app.MigrateNotificationDatabaseAsync();   // Migrations/*.sql in order, the outbox tables
app.MapNotification();              // gRPC mesh.notification.v1.Notifications (+ REST by JSON transcoding)
app.MapDefaultEndpoints();
app.Run();
