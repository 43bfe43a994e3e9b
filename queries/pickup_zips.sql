-- Trips dashboard: every pickup zip and its number of trips, for the pickup-zip filter's choices.
-- @run_as app
-- @cache_ttl 3600
SELECT pickup_zip, count(*) AS trips
FROM samples.nyctaxi.trips
GROUP BY 1
ORDER BY trips DESC, pickup_zip
