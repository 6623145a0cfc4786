// The referral service: coupons, their redemption inside booking's checkout saga, referral codes and rewards.
// Composition only; the parts are in ReferralComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddReferral();              // store (referraldb), clients (booking, catalog, users), booking- and payment-event consumers, sweeper, reward grants, token validation
builder.AddOutboxRelay("messaging"); // referral's own events (coupon issued, referral rewarded) → RabbitMQ

var app = builder.Build();
await app.MigrateReferralDatabaseAsync();   // outbox/inbox tables, then Migrations/*.sql in order
app.MapGrpcService<Mesh.Referral.ReferralsApi>();
app.MapDefaultEndpoints();
app.Run();
