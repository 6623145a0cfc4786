// The REST edge: YARP in front of the services' own REST; every route comes from the google.api.http rules of the
// services registered below. Plus one hub for browsers: support chat (Chat/).
var builder = WebApplication.CreateBuilder(args);

builder.AddGateway(services =>
{
    // One line per fronted service, e.g. services.Add(Mesh.Booking.V1.Booking.Descriptor, "booking");
    services.Add(Mesh.Users.V1.Users.Descriptor, "users");
    services.Add(Mesh.Catalog.V1.Catalog.Descriptor, "catalog");
    services.Add(Mesh.Payment.V1.Payments.Descriptor, "payment");
    services.Add(Mesh.Booking.V1.Booking.Descriptor, "booking");
    services.Add(Mesh.Referral.V1.Referrals.Descriptor, "referral");
    services.Add(Mesh.Support.V1.Support.Descriptor, "support");
    services.Add(Mesh.Rating.V1.Rating.Descriptor, "rating");
    services.Add(Mesh.Ads.V1.Ads.Descriptor, "ads");
    services.Add(Mesh.Feed.V1.Feed.Descriptor, "feed");
    services.Add(Mesh.Notification.V1.Notifications.Descriptor, "notification");
    services.Add(Mesh.Analytics.V1.Analytics.Descriptor, "analytics");
});
builder.AddSupportChat(); // browsers' support chat: a SignalR hub at /v1/support/chat over the support service's Chat stream

var app = builder.Build();
app.MapGateway();
app.MapSupportChat();
app.Run();
