//! The whole conformance suite from `taskflow-core`, each test on a fresh database, with a pool
//! of 8 connections.

taskflow_core::conformance_suite!(taskflow_store_postgres::testkit::conformance_store);
