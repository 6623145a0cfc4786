using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Auth;
using Mesh.Users.V1;

namespace Mesh.Referral.Tests.Support;

/// <summary>
/// A test double of the users contract's GetMe (the caller from their token, as the real service does), so referral's
/// account-age rule is exercised over real gRPC: an account is as old as the test says (<see cref="Created"/>), by
/// default made at the moment of its first GetMe.
/// </summary>
public sealed class FakeUsers(TimeProvider clock) : Mesh.Users.V1.Users.UsersBase
{
    public ConcurrentDictionary<string, DateTime> Created { get; } = new();

    public override Task<User> GetMe(GetMeRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var created = Created.GetOrAdd(user.Subject, _ => clock.GetUtcNow().UtcDateTime);
        return Task.FromResult(new User { Name = $"users/{user.Subject}", CreateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(created, DateTimeKind.Utc)) });
    }
}
