// The users service: accounts, sign-in, tokens and roles. Composition only; the parts are in UsersComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddUsers();                 // store (usersdb), Redis (cache), passwords, tokens, sign-in limits, token validation

var app = builder.Build();
await app.MigrateUsersDatabaseAsync();   // Migrations/*.sql, in order, once
app.MapUsers();                     // gRPC mesh.users.v1.Users + GET /.well-known/openid-configuration and jwks.json on the http endpoint
app.MapDefaultEndpoints();
app.Run();
