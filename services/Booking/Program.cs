// The booking service: seat holds (checkout, cancellation and history follow). Composition only; the parts are in
// BookingComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddBooking();               // store (bookingdb), catalog client (prices), expired-claim sweeper, token validation

var app = builder.Build();
await app.MigrateBookingDatabaseAsync();   // Migrations/*.sql in order
app.MapBooking();                   // gRPC mesh.booking.v1.Booking
app.MapDefaultEndpoints();
app.Run();
