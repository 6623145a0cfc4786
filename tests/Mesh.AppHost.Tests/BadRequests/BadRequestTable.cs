namespace Mesh.AppHost.Tests.BadRequests;

/// <summary>
/// Bad requests a newcomer (or an attacker) sends the REST edge, each with the answer the public contract promises:
/// the HTTP status, the gRPC code in the error body, what its message names and, for bad input, the google.rpc.BadRequest
/// field. None of them may be a 5xx. The expectations are the contract, not whatever the code answers today.
/// </summary>
public static class BadRequestTable
{
    private const int InvalidArgument = 3, NotFound = 5, PermissionDenied = 7, Unimplemented = 12, Unauthenticated = 16;
    private const string AnyUuid = "7f2c9a4e-5b1d-4c3e-9f8a-2d6b1e0c4a57";
    /// <summary>The edge's documented body limit (Gateway:MaxRequestBodyBytes, 1 MiB).</summary>
    private const string BodyLimit = "1048576";
    private static readonly string TwoMebibytes = new('x', 2 * 1024 * 1024);

    public static readonly IReadOnlyList<BadRequestCase> Cases =
    [
        // ---- Routes that do not exist, and verbs a route does not take
        NoRoute("unknown top-level path", "GET", "/nope", "/nope"),
        NoRoute("bare version prefix", "GET", "/v1", "/v1"),
        NoRoute("path below an existing route", "GET", "/v1/users/me/extra", "/v1/users/me/extra", Caller.Customer),
        NoRoute("unknown custom verb", "POST", $"/v1/bookings/{AnyUuid}:refund", ":refund", Caller.Customer) with { Body = "{}" },
        NoRoute("unknown collection", "GET", "/v1/tickets", "/v1/tickets", Caller.Customer),
        WrongVerb("DELETE on the cities list", "DELETE", "/v1/cities", "GET"),
        WrongVerb("PUT on the shows list", "PUT", "/v1/shows", "GET") with { Body = "{}" },
        WrongVerb("POST on a show's seats", "POST", "/v1/shows/{show}/seats", "GET") with { Body = "{}" },
        WrongVerb("PATCH on sessions", "PATCH", "/v1/sessions", "POST") with { Body = "{}" },
        WrongVerb("GET on holds", "GET", "/v1/holds", "POST", Caller.Customer),
        WrongVerb("DELETE on a payment", "DELETE", $"/v1/payments/{AnyUuid}", "GET", Caller.Customer),
        WrongVerb("GET on ticket verification", "GET", "/v1/tickets:verify", "POST", Caller.Customer),

        // ---- Path traversal: dot segments never leave the routes, never skip authentication
        NoRoute("dot segments to /etc/passwd", "GET", "/v1/../../etc/passwd", "passwd"),
        NoRoute("encoded dot segments to /etc/passwd", "GET", "/v1/%2e%2e/%2e%2e/etc/passwd", "passwd"),
        Unauthorized("encoded dot segments onto a protected route", "GET", "/v1/cities/%2e%2e/users/me", Caller.Anonymous, "Bearer"),
        Field("encoded slashes in a show id", "GET", "/v1/shows/..%2F..%2Fetc%2Fpasswd", "id"),
        Field("encoded backslashes in a show id", "GET", "/v1/shows/..%5C..%5Cwindows%5Cwin.ini", "id"),
        Field("encoded dot segments inside a venue id", "GET", "/v1/venues/%2e%2e%2f%2e%2e%2fusers", "id"),

        // ---- Malformed JSON
        Malformed("unterminated object", "{"),
        Malformed("value missing", "{\"email\":"),
        Malformed("array instead of an object", "[1,2]"),
        Malformed("string instead of an object", "\"ada@example.com\""),
        Malformed("trailing comma", "{\"email\":\"{email}\",}"),
        Malformed("single quotes", "{'email':'{email}'}"),
        Malformed("text after the object", "{\"email\":\"{email}\"} and more"),
        Malformed("nested 300 levels deep", new string('[', 300) + new string(']', 300)) with { Message = ["64"] },
        Malformed("NaN literal", "{\"email\":NaN}"),
        Field("empty body", "POST", "/v1/users", "email") with { Body = "" },

        // ---- Wrong JSON types
        Field("email as a number", "POST", "/v1/users", "email") with { Body = Register(email: "5") },
        Field("email as an array", "POST", "/v1/users", "email") with { Body = Register(email: "[\"{email}\"]") },
        Field("email as a query operator object", "POST", "/v1/sessions", "email") with { Body = "{\"email\":{\"$ne\":null},\"password\":\"x\"}" },
        Field("display name as an object", "POST", "/v1/users", "display_name") with { Body = Register(displayName: "{\"first\":\"Ada\"}") },
        Field("expiry month as a word", "POST", "/v1/payment-methods", "exp_month", Caller.Customer) with { Body = Card(expMonth: "\"twelve\"") },
        Field("expiry month as a fraction", "POST", "/v1/payment-methods", "exp_month", Caller.Customer) with { Body = Card(expMonth: "12.5") },
        Field("expiry month as a boolean", "POST", "/v1/payment-methods", "exp_month", Caller.Customer) with { Body = Card(expMonth: "true") },
        Field("capture as a string", "POST", "/v1/payments", "capture", Caller.Customer) with { Body = Payment(capture: "\"yes\"") },
        Field("seat ids as a string", "POST", "/v1/holds", "seat_ids", Caller.Customer) with { Body = "{\"showId\":\"{show}\",\"seatIds\":\"A1\"}" },
        Field("slot start as a word", "POST", "/v1/holds", "slot_start", Caller.Customer) with { Body = SlotHold(slotStart: "\"tomorrow\"") },
        Field("slot start as a number", "POST", "/v1/holds", "slot_start", Caller.Customer) with { Body = SlotHold(slotStart: "12") },
        Field("quantity as a word", "POST", "/v1/holds", "quantity", Caller.Customer) with { Body = SlotHold(quantity: "\"many\"") },
        Field("page size as a word", "GET", "/v1/shows?pageSize=abc", "page_size"),
        Field("from as a word", "GET", "/v1/shows?from=yesterday", "from"),
        Field("minimum price not a number", "GET", "/v1/shows?minPriceMinor=12x", "min_price_minor"),

        // ---- Numbers out of range: the message states the real limit
        Field("amount at int64 max", "POST", "/v1/payments", "amount", Caller.Customer) with { Body = Payment(amount: "9223372036854775807"), Message = ["99999999"] },
        Field("amount past int64", "POST", "/v1/payments", "amount", Caller.Customer) with { Body = Payment(amount: "9223372036854775808") },
        Field("amount past int64 as a string", "POST", "/v1/payments", "amount", Caller.Customer) with { Body = Payment(amount: "\"9223372036854775808\"") },
        Field("amount 1e30", "POST", "/v1/payments", "amount", Caller.Customer) with { Body = Payment(amount: "1e30") },
        Field("amount with a fraction", "POST", "/v1/payments", "amount", Caller.Customer) with { Body = Payment(amount: "25.5") },
        Field("negative amount", "POST", "/v1/payments", "amount", Caller.Customer) with { Body = Payment(amount: "-1"), Message = ["99999999"] },
        Field("expiry year past int32", "POST", "/v1/payment-methods", "exp_year", Caller.Customer) with { Body = Card(expYear: "4294967296") },
        Field("maximum price past int64", "GET", "/v1/shows?maxPriceMinor=99999999999999999999", "max_price_minor"),
        Field("page size past int32", "GET", "/v1/shows?pageSize=2147483648", "page_size"),

        // ---- Invalid UTF-8 and broken Unicode
        Field("invalid UTF-8 in an email", "POST", "/v1/users", "email") with { Body = Register(email: "\"ada<0xFF>@example.com\"") },
        Field("invalid UTF-8 in a payment description", "POST", "/v1/payments", "description", Caller.Customer) with { Body = Payment(description: "\"Order <0xC3><0x28>\"") },
        Field("invalid UTF-8 in a sign-in email", "POST", "/v1/sessions", "email") with { Body = "{\"email\":\"<0xF8><0x88><0x80><0x80><0x80>\",\"password\":\"x\"}" },
        Field("lone surrogate in a display name", "POST", "/v1/users", "display_name") with { Body = Register(displayName: "\"Ada \\ud800\"") },
        Field("invalid UTF-8 in a show id", "GET", "/v1/shows/%FF%FE", "id"),

        // ---- NUL characters, anonymous catalog filters included
        Field("NUL in the search text", "GET", "/v1/shows?q=%00", "q"),
        Field("NUL in the shows' city", "GET", "/v1/shows?city=%00", "city"),
        Field("NUL in the shows' genre", "GET", "/v1/shows?genre=%00", "genre"),
        Field("NUL in the shows' language", "GET", "/v1/shows?language=%00", "language"),
        Field("NUL in the services' city", "GET", "/v1/services?city=%00", "city"),
        Field("NUL in the services' category", "GET", "/v1/services?category=%00", "category"),
        Field("NUL in the products' category", "GET", "/v1/products?category=%00", "category"),
        Field("NUL in the events' genre", "GET", "/v1/events?genre=%00", "genre"),
        Field("NUL in the venues' city", "GET", "/v1/venues?city=%00", "city"),
        Field("NUL in a slots date", "GET", "/v1/services/{service}/slots?date=%00", "date"),
        new("NUL as a show id", "GET", "/v1/shows/%00", Caller.Anonymous, 400, InvalidArgument) { RefusedByHttpParser = true },
        Field("NUL in a payment description", "POST", "/v1/payments", "description", Caller.Customer) with { Body = Payment(description: "\"Order\\u00001001\"") },
        Field("NUL in a display name", "POST", "/v1/users", "display_name") with { Body = Register(displayName: "\"Ada\\u0000\"") },
        Field("NUL in an email", "POST", "/v1/users", "email") with { Body = Register(email: "\"ada\\u0000{email}\"") },
        Field("NUL in a sign-in email", "POST", "/v1/sessions", "email") with { Body = "{\"email\":\"\\u0000\",\"password\":\"analytical-engine-1843\"}" },
        Field("NUL in a changed display name", "PATCH", "/v1/users/me", "display_name", Caller.Customer) with { Body = "{\"displayName\":\"\\u0000\"}" },

        // ---- Bodies past the edge's limit
        TooLarge("2 MiB sign-up", "/v1/users", Caller.Anonymous) with { Body = Register(displayName: $"\"{TwoMebibytes}\"") },
        TooLarge("2 MiB payment", "/v1/payments", Caller.Customer) with { Body = Payment(description: $"\"{TwoMebibytes}\"") },
        TooLarge("2 MiB chunked, no Content-Length", "/v1/users", Caller.Anonymous) with { Body = Register(displayName: $"\"{TwoMebibytes}\""), Chunked = true },
        Field("description past its 200 characters", "POST", "/v1/payments", "description", Caller.Customer) with { Body = Payment(description: $"\"{new string('x', 201)}\""), Message = ["200"] },

        // ---- Unknown enum names and numbers
        Field("unknown booking time filter", "GET", "/v1/bookings?when=SOMETIME", "when", Caller.Customer),
        Field("booking time filter out of range", "GET", "/v1/bookings?when=99", "when", Caller.Customer),
        Field("unknown role name", "POST", "/v1/{me}:setRoles", "roles", Caller.Customer) with { Body = "{\"roles\":[\"OVERLORD\"]}" },
        Field("role number out of range", "POST", "/v1/{me}:setRoles", "roles", Caller.Customer) with { Body = "{\"roles\":[42]}" },

        // ---- Unknown fields are refused, not ignored (a sign-up cannot smuggle in roles)
        Field("roles smuggled into a sign-up", "POST", "/v1/users", "roles") with { Body = Register(extra: ",\"roles\":[\"ADMIN\"]") },
        Field("misspelt payment field", "POST", "/v1/payments", "amountCents", Caller.Customer) with { Body = Payment(extra: ",\"amountCents\":100") },
        Field("unknown query parameter", "GET", "/v1/shows?colour=red", "colour"),

        // ---- Media type and headers
        new("form instead of JSON", "POST", "/v1/users", Caller.Anonymous, 415, InvalidArgument)
            { Body = "email=ada%40example.com", ContentType = "application/x-www-form-urlencoded", Message = ["application/json"] },
        Field("Idempotency-Key with spaces", "POST", "/v1/payments", "idempotency-key", Caller.Customer) with { Body = Payment(), Header = ("Idempotency-Key", "has spaces in it") },

        // ---- Missing and bad tokens: 401 with a Bearer challenge
        Unauthorized("no token on a protected read", "GET", "/v1/users/me", Caller.Anonymous, "Bearer"),
        Unauthorized("Bearer without a token", "GET", "/v1/users/me", Caller.EmptyBearer, "Bearer"),
        Unauthorized("a token that is not a JWT", "GET", "/v1/users/me", Caller.GarbageToken, "invalid_token"),
        Unauthorized("Basic credentials", "GET", "/v1/users/me", Caller.BasicScheme, "Bearer"),
        Unauthorized("a tampered signature", "GET", "/v1/users/me", Caller.TamperedToken, "invalid_token"),
        Unauthorized("an unsigned token (alg none)", "GET", "/v1/users/me", Caller.UnsignedToken, "invalid_token"),
        Unauthorized("no token on a payment", "POST", "/v1/payments", Caller.Anonymous, "Bearer") with { Body = Payment() },
        Unauthorized("a bad token on a public search", "GET", "/v1/shows?q=jazz", Caller.GarbageToken, "invalid_token"),
        Unauthorized("no token on ticket verification", "POST", "/v1/tickets:verify", Caller.Anonymous, "Bearer") with { Body = "{\"code\":\"x\"}" },
        Unauthorized("no token on sign-out", "DELETE", "/v1/sessions/current", Caller.Anonymous, "Bearer"),

        // ---- A customer asking for what needs another role: 403
        Forbidden("customer verifying a ticket", "POST", "/v1/tickets:verify", "partner") with { Body = "{\"code\":\"x\"}" },
        Forbidden("customer listing every account", "GET", "/v1/users", "admin"),
        Forbidden("customer making themself admin", "POST", "/v1/{me}:setRoles", "admin") with { Body = "{\"roles\":[\"ADMIN\"]}" },
        Forbidden("customer refunding a payment", "POST", $"/v1/payments/{AnyUuid}/refunds", "admin") with { Body = "{}" },
        Forbidden("customer creating a venue", "POST", "/v1/venues", "partner") with { Body = "{\"cityId\":\"amsterdam\",\"name\":\"Mine\",\"address\":\"1 Dam\"}" },
        Forbidden("customer creating an event", "POST", "/v1/events", "partner") with { Body = "{\"kind\":\"play\",\"title\":\"Mine\",\"durationMinutes\":90}" },
        Forbidden("customer deleting a venue", "DELETE", "/v1/venues/{venue}", "partner"),

        // ---- Catalog filters the contract requires or constrains
        Field("slots without their date", "GET", "/v1/services/{service}/slots", "date"),
        Field("slots on a date that does not exist", "GET", "/v1/services/{service}/slots?date=2026-13-45", "date"),
        Field("show id that is not a uuid", "GET", "/v1/shows/not-a-uuid", "id"),
    ];

    private static BadRequestCase NoRoute(string name, string method, string path, string named, Caller caller = Caller.Anonymous) =>
        new(name, method, path, caller, 404, NotFound) { Message = [named] };

    private static BadRequestCase WrongVerb(string name, string method, string path, string allowed, Caller caller = Caller.Anonymous) =>
        new(name, method, path, caller, 405, Unimplemented) { Message = [method], Allowed = allowed };

    private static BadRequestCase Field(string name, string method, string path, string field, Caller caller = Caller.Anonymous) =>
        new(name, method, path, caller, 400, InvalidArgument) { Field = field };

    private static BadRequestCase Malformed(string name, string body) =>
        new(name, "POST", "/v1/users", Caller.Anonymous, 400, InvalidArgument) { Body = body, Message = ["JSON"] };

    private static BadRequestCase TooLarge(string name, string path, Caller caller) =>
        new(name, "POST", path, caller, 413, InvalidArgument) { Message = [BodyLimit] };

    private static BadRequestCase Unauthorized(string name, string method, string path, Caller caller, string challenge) =>
        new(name, method, path, caller, 401, Unauthenticated) { Message = ["bearer"], Challenge = challenge };

    private static BadRequestCase Forbidden(string name, string method, string path, string role) =>
        new(name, method, path, Caller.Customer, 403, PermissionDenied) { Message = [role] };

    // Valid requests but for the one value a row replaces (JSON text as it goes on the wire).
    private static string Register(string email = "\"{email}\"", string displayName = "\"Ada Lovelace\"", string extra = "") =>
        $"{{\"email\":{email},\"password\":\"analytical-engine-1843\",\"displayName\":{displayName}{extra}}}";

    private static string Card(string expMonth = "12", string expYear = "2031") =>
        $"{{\"cardNumber\":\"4242 4242 4242 4242\",\"expMonth\":{expMonth},\"expYear\":{expYear},\"cvc\":\"123\"}}";

    private static string Payment(string amount = "2500", string capture = "true", string description = "\"Order\"", string extra = "") =>
        $"{{\"paymentMethodId\":\"{{pm}}\",\"amount\":{amount},\"currency\":\"EUR\",\"capture\":{capture},\"description\":{description}{extra}}}";

    private static string SlotHold(string slotStart = "\"2031-01-06T09:00:00Z\"", string quantity = "1") =>
        $"{{\"serviceId\":\"{{service}}\",\"slotStart\":{slotStart},\"quantity\":{quantity}}}";
}
