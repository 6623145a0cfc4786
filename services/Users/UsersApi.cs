using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Auth;
using Mesh.Users.Accounts;
using Mesh.Users.Passwords;
using Mesh.Users.SignIn;
using Mesh.Users.Tokens;
using Mesh.Users.V1;

namespace Mesh.Users;

/// <summary>
/// The gRPC endpoint: validation (INVALID_ARGUMENT with field violations), authorization from the token's claims,
/// proto ⇄ domain mapping. No SQL here (UsersStore), no crypto (Passwords/, Tokens/).
/// </summary>
public sealed class UsersApi(
    UsersStore store,
    PasswordHasher hasher,
    PasswordPolicy policy,
    AccessTokens accessTokens,
    RefreshTokens refreshTokens,
    SigningKeyRing keys,
    SignInLimiter limiter,
    SignIn.IRiskStep risk,
    UsersOptions options,
    TimeProvider time) : Users.V1.Users.UsersBase
{
    private const int MaxDisplayName = 100;
    private const int MaxTokenLength = 512;

    public override async Task<User> Register(RegisterRequest request, ServerCallContext context)
    {
        UnknownFields.Reject(request);
        var email = EmailAddress.Normalize(request.Email);
        var displayName = request.DisplayName.Trim();
        new FieldViolations()
            .Check("email", EmailAddress.Check(email))
            .Check("password", policy.Check(request.Password, email))
            .Check("display_name", CheckDisplayName(displayName))
            .ThrowIfAny();

        var now = time.GetUtcNow().UtcDateTime;
        var roles = options.BootstrapAdmins.Any(a => EmailAddress.Normalize(a) == email) ? new[] { Roles.Customer, Roles.Admin } : [Roles.Customer];
        var account = new UserAccount(Guid.CreateVersion7(), email, displayName, hasher.Hash(request.Password), roles, now, now);
        if (!await store.TryCreateAsync(account))
            throw new RpcException(new Status(StatusCode.AlreadyExists, "An account with this email already exists."));
        return ToProto(account);
    }

    public override async Task<Session> Login(LoginRequest request, ServerCallContext context)
    {
        UnknownFields.Reject(request);
        var email = EmailAddress.Normalize(request.Email);
        new FieldViolations()
            .Check("email", EmailAddress.Check(email))
            .Check("password", request.Password.Length == 0 ? "is required" : request.Password.Length > PasswordPolicy.MaxLength ? $"must be at most {PasswordPolicy.MaxLength} characters" : null)
            .ThrowIfAny();

        var ip = ClientIp(context);
        if (await limiter.LockedUntilAsync(email, ip) is { } until)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling((until - time.GetUtcNow()).TotalSeconds));
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Too many failed sign-ins. Try again in {seconds} s."));
        }

        // Unknown email and wrong password: the same work (a decoy hash), the same answer.
        var account = await store.FindByEmailAsync(email);
        await risk.CheckAsync(account?.Id.ToString() ?? "", ip == "unknown" ? "" : ip, context);   // fraud and bot rules before the password (fail open)
        var valid = account is null ? hasher.VerifyDecoy(request.Password) : hasher.Verify(request.Password, account.PasswordHash);
        if (!valid || account is null)
        {
            await limiter.RecordFailureAsync(email, ip);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The email or password is wrong."));
        }
        await limiter.RecordSuccessAsync(email);
        if (hasher.NeedsRehash(account.PasswordHash))
            await store.ReplacePasswordHashAsync(account.Id, account.PasswordHash, hasher.Hash(request.Password), time.GetUtcNow().UtcDateTime);

        var (sessionId, refreshToken) = await refreshTokens.StartSessionAsync(account.Id);
        return await SessionAsync(account, sessionId, refreshToken, context.CancellationToken);
    }

    public override async Task<Session> RefreshSession(RefreshSessionRequest request, ServerCallContext context)
    {
        UnknownFields.Reject(request);
        new FieldViolations()
            .Check("refresh_token", request.RefreshToken.Length == 0 ? "is required" : null)
            .MaxLength("refresh_token", request.RefreshToken, MaxTokenLength)
            .ThrowIfAny();
        var outcome = await refreshTokens.RotateAsync(request.RefreshToken);
        if (outcome.Result != RefreshResult.Rotated)
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The refresh token is not valid; sign in again."));
        var account = await store.FindAsync(outcome.UserId);
        if (account is null)
        {
            await refreshTokens.EndSessionAsync(outcome.SessionId);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The refresh token is not valid; sign in again."));
        }
        // Roles are read again here, so a role change reaches the next access token.
        return await SessionAsync(account, outcome.SessionId, outcome.NewToken!, context.CancellationToken);
    }

    public override async Task<Empty> Logout(LogoutRequest request, ServerCallContext context)
    {
        var (_, sessionId) = await RequireSessionAsync(context);
        await refreshTokens.EndSessionAsync(sessionId);
        return new Empty();
    }

    public override async Task<User> GetMe(GetMeRequest request, ServerCallContext context)
    {
        var (caller, _) = await RequireSessionAsync(context);
        return ToProto(await FindOrNotFoundAsync(caller));
    }

    public override async Task<User> UpdateMe(UpdateMeRequest request, ServerCallContext context)
    {
        var (caller, _) = await RequireSessionAsync(context);
        UnknownFields.Reject(request);
        var violations = new FieldViolations();
        if (request.User is null) violations.Add("user", "is required");
        var paths = request.UpdateMask?.Paths.ToList() ?? [];
        foreach (var path in paths.Where(p => p != "display_name"))
            violations.Add("update_mask", $"names {path}, which cannot be changed here (only display_name)");
        var changeName = paths.Contains("display_name") || (paths.Count == 0 && request.User?.DisplayName.Length > 0);
        var displayName = request.User?.DisplayName.Trim() ?? "";
        if (changeName) violations.Check("user.display_name", CheckDisplayName(displayName));
        violations.ThrowIfAny();

        var account = changeName
            ? await store.UpdateDisplayNameAsync(caller, displayName, time.GetUtcNow().UtcDateTime)
            : await store.FindAsync(caller);
        return ToProto(account ?? throw NotFound());
    }

    public override async Task<Empty> ChangePassword(ChangePasswordRequest request, ServerCallContext context)
    {
        var (caller, sessionId) = await RequireSessionAsync(context);
        UnknownFields.Reject(request);
        var account = await FindOrNotFoundAsync(caller);
        new FieldViolations()
            .Check("current_password", request.CurrentPassword.Length == 0 ? "is required" : null)
            .MaxLength("current_password", request.CurrentPassword, PasswordPolicy.MaxLength)
            .Check("new_password", policy.Check(request.NewPassword, account.Email))
            .ThrowIfAny();
        if (!hasher.Verify(request.CurrentPassword, account.PasswordHash))
            throw new RpcException(new Status(StatusCode.PermissionDenied, "The current password is wrong."));
        if (!await store.ReplacePasswordHashAsync(account.Id, account.PasswordHash, hasher.Hash(request.NewPassword), time.GetUtcNow().UtcDateTime))
            throw new RpcException(new Status(StatusCode.Aborted, "The password was changed concurrently; try again."));
        // Whoever else held a session (perhaps the reason for the change) is signed out, this caller included.
        await refreshTokens.EndAllSessionsAsync(account.Id);
        await refreshTokens.EndSessionAsync(sessionId);
        return new Empty();
    }

    public override async Task<User> GetUser(GetUserRequest request, ServerCallContext context)
    {
        var (caller, _) = await RequireSessionAsync(context);
        var id = ParseName(request.Name);
        // Permission first, existence second: a customer learns nothing about other ids.
        if (id != caller && !IsStaff(context.RequireUser()))
            throw new RpcException(new Status(StatusCode.PermissionDenied, "You may read only your own account."));
        return ToProto(await store.FindAsync(id) ?? throw NotFound());
    }

    public override async Task<ListUsersResponse> ListUsers(ListUsersRequest request, ServerCallContext context)
    {
        await RequireSessionAsync(context);
        context.RequireRole(Roles.Admin);
        var violations = new FieldViolations();
        if (request.PageSize is < 0 or > 100) violations.Add("page_size", "must be between 0 and 100");
        Guid? after = null;
        if (request.PageToken.Length > 0)
        {
            if (Guid.TryParseExact(request.PageToken, "N", out var token)) after = token;
            else violations.Add("page_token", "is not a token from a previous response");
        }
        violations.ThrowIfAny();
        var size = request.PageSize == 0 ? 20 : request.PageSize;
        var page = await store.ListAsync(after, size + 1);
        var response = new ListUsersResponse();
        response.Users.AddRange(page.Take(size).Select(ToProto));
        if (page.Count > size) response.NextPageToken = page[size - 1].Id.ToString("N");
        return response;
    }

    public override async Task<User> SetRoles(SetRolesRequest request, ServerCallContext context)
    {
        await RequireSessionAsync(context);
        context.RequireRole(Roles.Admin);
        UnknownFields.Reject(request);
        var id = ParseName(request.Name);
        var violations = new FieldViolations();
        if (request.Roles.Count == 0) violations.Add("roles", "must name at least one role");
        if (request.Roles.Any(r => !Roles.IsDefined(r))) violations.Add("roles", "contains a value that is not a role");
        violations.ThrowIfAny();
        var roles = request.Roles.Distinct().Select(Roles.ToName).ToArray();
        return ToProto(await store.UpdateRolesAsync(id, roles, time.GetUtcNow().UtcDateTime) ?? throw NotFound());
    }

    public override async Task<GetSigningKeysResponse> GetSigningKeys(GetSigningKeysRequest request, ServerCallContext context) =>
        await JwksDocument.BuildAsync(keys, context.CancellationToken);

    /// <summary>
    /// The caller from the token (validated by ServiceDefaults' interceptor), whose session must still be live: this
    /// service is the authority on sessions, so a signed-out token stops working here at once (elsewhere at its expiry).
    /// </summary>
    private async Task<(Guid UserId, string SessionId)> RequireSessionAsync(ServerCallContext context)
    {
        var user = context.RequireUser();
        if (!Guid.TryParse(user.Subject, out var id) || user.Claim("sid") is not { Length: > 0 } sessionId || !await refreshTokens.IsSessionActiveAsync(sessionId))
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The session has ended; sign in again."));
        return (id, sessionId);
    }

    private async Task<Session> SessionAsync(UserAccount account, string sessionId, string refreshToken, CancellationToken cancellationToken)
    {
        var access = await accessTokens.IssueAsync(account.Id, account.Roles, sessionId, cancellationToken);
        return new Session
        {
            AccessToken = access.Token,
            RefreshToken = refreshToken,
            ExpiresAt = Timestamp.FromDateTimeOffset(access.ExpiresAt),
            TokenType = "Bearer",
        };
    }

    private async Task<UserAccount> FindOrNotFoundAsync(Guid id) => await store.FindAsync(id) ?? throw NotFound();

    private static bool IsStaff(AuthenticatedUser user) => user.IsInRole(Roles.Admin) || user.IsInRole(Roles.SupportAgent);

    private static Guid ParseName(string name)
    {
        var id = UserAccount.ParseName(name);
        if (id is null) new FieldViolations().Add("name", "must be users/{uuid}").ThrowIfAny();
        return id!.Value;
    }

    private static string? CheckDisplayName(string name) =>
        name.Length == 0 ? "is required"
        : name.Length > MaxDisplayName ? $"must be at most {MaxDisplayName} characters"
        : name.Any(char.IsControl) ? "must not contain control characters"
        : null;

    private static string ClientIp(ServerCallContext context)
    {
        // Set by the gateway from the connection it accepted; only trusted inside the mesh (the grpc port is internal).
        var forwarded = context.RequestHeaders.GetValue("x-forwarded-for");
        if (forwarded is { Length: > 0 and <= 64 }) return forwarded.Split(',')[0].Trim();
        return context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    private static RpcException NotFound() => new(new Status(StatusCode.NotFound, "No such user."));

    private static User ToProto(UserAccount account)
    {
        var user = new User
        {
            Name = account.ResourceName,
            Email = account.Email,
            DisplayName = account.DisplayName,
            CreateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(account.CreateTime, DateTimeKind.Utc)),
            UpdateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(account.UpdateTime, DateTimeKind.Utc)),
        };
        user.Roles.AddRange(account.Roles.Select(Roles.FromName));
        return user;
    }
}
