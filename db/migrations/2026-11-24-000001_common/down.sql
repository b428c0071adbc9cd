DROP FUNCTION wfm_set_updated_at();
